#!/usr/bin/env node
import { main } from '../dist/wash.js';

process.exitCode = await main(process.argv.slice(2));
