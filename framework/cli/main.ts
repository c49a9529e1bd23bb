#!/usr/bin/env node
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fer-run: internal error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
