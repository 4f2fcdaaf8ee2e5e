#!/usr/bin/env node
// CommonJS (bin/package.json): node runs it without starting its ES module
// loader, so `wash --version` answers from package.json alone (as fast as
// `node -e 0`); everything else, other spellings of --version included, is
// main() in dist/wash.js (see scripts/bundle.mjs).
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  require('node:fs').writeSync(1, `${require('../package.json').version}\n`);
} else {
  import('../dist/wash.js').then(
    async ({ main }) => {
      process.exitCode = await main(argv);
    },
    (err) => {
      // wash itself did not load (not built, or a broken install): one line, not a stack trace.
      process.stderr.write(`wash: cannot start: ${String(err?.message ?? err).split('\n')[0]} (run 'npm install' in wash's directory to build it)\n`);
      process.exitCode = 1;
    },
  );
}
