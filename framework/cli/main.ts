#!/usr/bin/env node
import { relaunchWithNativeGc, shouldRelaunchForNative } from './relaunch.js';

const argv = process.argv.slice(2);
const main = shouldRelaunchForNative(argv) ? relaunchWithNativeGc(argv) : import('./run-cli.js').then((m) => m.runCli(argv));

main.then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fer-run: internal error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
