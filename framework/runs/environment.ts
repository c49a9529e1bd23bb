import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { BackendInfo } from '../engine/backend.js';
import { NATIVE_GC_FLAG } from '../engine/native/addon.js';

/**
 * Where git says this checkout is, or null outside a repository. Dirty means changes to tracked
 * files other than the generated reports/ (a run rewrites those itself: an experiment run after
 * another in the same checkout would otherwise be recorded as run from uncommitted code).
 */
export function gitState(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = ['status', '--porcelain', '--untracked-files=no', '--', ':(top)', ':(top,exclude)reports'];
    const dirty = execFileSync('git', status, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** The environment a run ran in: enough to tell two machines' results apart. */
export function captureEnvironment(backend: BackendInfo, projectDir: string): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: backend.tfjsVersion,
    backend: backend.name,
    backendPackage: backend.package,
    ...(backend.dnnl ? { oneDNN: backend.dnnl } : {}),
    // oneDNN's kernels differ by instruction set, and so do the last bits of their sums.
    ...(backend.dnnlIsa ? { oneDNNIsa: backend.dnnlIsa } : {}),
    // XNNPACK's thread pool (wasm); results do not depend on it, speed does.
    ...(backend.threads ? { threads: backend.threads } : {}),
    // It changes timing: runs on the native backend restart with a single-threaded GC (cli/relaunch.ts).
    v8Gc: process.execArgv.includes(NATIVE_GC_FLAG) ? 'single-threaded' : 'default',
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    git: gitState(projectDir),
    recorded: new Date().toISOString(),
  };
}
