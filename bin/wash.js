#!/usr/bin/env node
// CommonJS (bin/package.json): node starts it without its ES module loader,
// which `wash --version` never needs (see scripts/bundle.mjs).
'use strict';
const { main } = require('../dist/wash.cjs');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
