import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two workers match the machine's two cores.
    maxWorkers: 2,
    projects: [
      {
        // Pure cores, imported directly: no wash process, no components, no servers, so no
        // global setup (it builds the fixture components). `npm run test:unit` runs only these.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          pool: 'threads',
        },
      },
      {
        // End to end: every test spawns wash (0.3-2 s each) against fixture components.
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
