import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NATIVE_GC_FLAG } from '../engine/native/addon.js';
import { InputError, RunError } from '../errors.js';
import type { RunnerSpec } from './launcher.js';
import type { CellJob, CellResult } from './run-cell.js';

/** Parent → runner: what to load, then cells one at a time. */
export type ToRunner = { kind: 'init'; spec: RunnerSpec; runsDir: string; progress: boolean } | { kind: 'run'; job: CellJob };
/** Runner → parent: ready (or why not), then one result per cell. */
export type FromRunner = { kind: 'ready' } | { kind: 'fatal'; message: string; badInput: boolean } | { kind: 'result'; result: CellResult };

/** A child process that runs cells with runCell, one at a time, into its own record store. */
export interface CellRunner {
  /** False once the child has exited. */
  readonly alive: boolean;
  /** Runs a cell in the child; rejects if the child dies or cannot start (its reason in the error). */
  run(job: CellJob): Promise<CellResult>;
  /** Ends the child (a running cell is stopped where it is; its checkpoint lets a later run resume). */
  close(): Promise<void>;
}

export interface RunnerOptions {
  /** The record store the child writes: a shared runs directory, or a worker's scratch one. */
  runsDir: string;
  /**
   * How many runners share this machine's cores: each child then gets cores / sharing compute
   * threads (OMP_NUM_THREADS, read by oneDNN and XNNPACK), unless the user set OMP_NUM_THREADS.
   */
  sharing?: number;
  progress?: boolean;
}

const here = fileURLToPath(import.meta.url);
// Under tsx the sources run as .ts (the loader is in execArgv, which the child inherits); compiled, as .js.
const CHILD = here.replace(/cell-runner\.(ts|js)$/, (_m, ext) => `cell-runner-child.${ext}`);

/**
 * Starts a runner: a sandbox for cells, so that a crash, a leak or a kill takes one process and
 * not its launcher. The child ends when its parent does (its IPC channel closes), so a worker
 * killed with -9 leaves no orphan training behind.
 */
export function startCellRunner(spec: RunnerSpec, o: RunnerOptions): CellRunner {
  // The native backend trains faster with V8's GC on one thread (cli/relaunch.ts); V8 reads the flag only at start-up.
  const execArgv = spec.backend === 'native' && !process.execArgv.includes(NATIVE_GC_FLAG) ? [...process.execArgv, NATIVE_GC_FLAG] : process.execArgv;
  const env = o.sharing && !process.env.OMP_NUM_THREADS ? { ...process.env, OMP_NUM_THREADS: String(Math.max(1, Math.floor(cpus().length / o.sharing))) } : process.env;
  const child: ChildProcess = fork(CHILD, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exit: string | null = null;
  let pending: { resolve: (r: CellResult) => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      reject(e);
      pending?.reject(e);
      pending = null;
    };
    child.on('message', (m: FromRunner) => {
      if (m.kind === 'ready') resolve();
      else if (m.kind === 'fatal') fail(m.badInput ? new InputError(m.message) : new RunError(m.message));
      else if (m.kind === 'result') {
        const p = pending;
        pending = null;
        p?.resolve(m.result);
      }
    });
    child.on('exit', (code, signal) => {
      exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      fail(new RunError(`fer-run's cell runner process ${child.pid} ${exit} before it finished its cell`));
    });
    child.on('error', (e) => fail(new RunError(`fer-run could not start a cell runner process: ${e.message}`)));
  });
  ready.catch(() => {});
  child.send({ kind: 'init', spec, runsDir: o.runsDir, progress: o.progress ?? true } satisfies ToRunner);
  return {
    get alive() {
      return exit === null;
    },
    async run(job) {
      await ready;
      if (exit) throw new RunError(`fer-run's cell runner process ${child.pid} ${exit}`);
      if (pending) throw new Error('a cell runner runs one cell at a time');
      return new Promise<CellResult>((resolve, reject) => {
        pending = { resolve, reject };
        child.send({ kind: 'run', job } satisfies ToRunner);
      });
    },
    close() {
      if (exit) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
