import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Every test spawns wash (0.3-2 s each); two workers match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
