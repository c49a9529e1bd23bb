import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { ADDON_PACKAGE, DISABLE_ENV, NATIVE_GC_FLAG } from '../engine/native/addon.js';

/**
 * The native backend runs oneDNN on every core through OpenMP, and a parallel region waits for
 * its slowest thread; V8's background GC threads, competing for the same two cores, make that
 * thread a straggler. With `--single-threaded-gc` the same M_Res training ran at ~740 images/s
 * instead of ~600 here (the wasm backend, single-threaded, goes the other way: ~77 vs ~92).
 * V8 reads the flag only at start-up (setting it later aborts the process), so a `run` that will
 * likely use the native backend restarts itself once with it. FER_RUN_GC=default opts out.
 */
const RUN_COMMANDS = new Set(['run']);

export function shouldRelaunchForNative(argv: string[]): boolean {
  if (process.execArgv.includes(NATIVE_GC_FLAG) || process.env.FER_RUN_GC === 'default' || process.env[DISABLE_ENV] === '1') return false;
  const first = argv.find((a) => !a.startsWith('-'));
  if (!first || !(RUN_COMMANDS.has(first) || first.endsWith('.json'))) return false;
  const at = argv.indexOf('--backend');
  const backend = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
  if (backend && backend !== 'native' && backend !== 'auto') return false;
  try {
    createRequire(import.meta.url).resolve(ADDON_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** Runs this CLI again with the flag; the parent only waits (Ctrl-C reaches the child through the process group). */
export function relaunchWithNativeGc(argv: string[]): Promise<number> {
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, NATIVE_GC_FLAG, process.argv[1], ...argv], { stdio: 'inherit' });
    process.removeListener('SIGTERM', ignore);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}
