import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BackendInfo } from '../engine/backend.js';
import { NATIVE_GC_FLAG } from '../engine/native/addon.js';
import { readJsonIfExists, writeJsonAtomic } from './atomic.js';

export type CellStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StatusRecord {
  status: CellStatus;
  updated: string;
  error?: string;
  epochsDone?: number;
}

/** Where git says this checkout is, or null outside a repository. */
export function gitState(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
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

/** The files of one cell's run directory (Sacred/Hydra-style record): the one place that knows the layout. */
export class RunDir {
  constructor(readonly dir: string) {}

  /** The directory of the cell with this config hash: runs/<experiment>/<hash>. */
  static of(runsDir: string, experiment: string, cellHash: string): RunDir {
    return new RunDir(join(runsDir, experiment, cellHash));
  }

  get config() {
    return join(this.dir, 'config.json');
  }
  get env() {
    return join(this.dir, 'env.json');
  }
  get statusFile() {
    return join(this.dir, 'status.json');
  }
  get metricsLog() {
    return join(this.dir, 'metrics.jsonl');
  }
  get metrics() {
    return join(this.dir, 'metrics.json');
  }
  get checkpoint() {
    return join(this.dir, 'checkpoint', 'last.ckpt');
  }
  get logFile() {
    return join(this.dir, 'log.txt');
  }
  evalFile(hash: string) {
    return join(this.dir, 'evals', `${hash}.json`);
  }

  status(): StatusRecord | null {
    return readJsonIfExists<StatusRecord>(this.statusFile);
  }

  setStatus(status: CellStatus, extra: Partial<StatusRecord> = {}): void {
    writeJsonAtomic(this.statusFile, { status, updated: new Date().toISOString(), ...extra });
  }

  log(line: string): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`);
  }
}
