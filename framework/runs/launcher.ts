import type { BackendName } from '../engine/backends.js';
import type { CellJob, CellResult } from './run-cell.js';
import type { RecordStore } from './record-store.js';
import type { FerRunIdentity } from './identity.js';

/**
 * How to start a fer-run that runs cells somewhere else (a child process, another machine's
 * worker): its own plugins, backend and image cache. A job never names code: only what the
 * runner's own command line and installation load.
 */
export interface RunnerSpec {
  pluginDirs: readonly string[];
  backend: BackendName;
  cacheDir: string;
  projectDir: string;
}

/** What a launcher is given for one launch. */
export interface LaunchEnv {
  /** Runs a cell in this process, with its services (the `local` launcher). */
  runHere(job: CellJob): Promise<CellResult>;
  /** How to start a runner like this process (same plugins, backend, cache). */
  runner: RunnerSpec;
  /** Where results land, whichever launcher produced them: records that come back as data are imported here. */
  store: RecordStore;
  /** This fer-run's version and plugin set: a remote worker refuses a job of another. */
  identity: FerRunIdentity;
  log(line: string): void;
}

/** What `fer-run worker` gives a launcher that has workers: the worker's own runner, where checkpoints go, and when to stop. */
export interface ServeEnv {
  runner: RunnerSpec;
  identity: FerRunIdentity;
  concurrency: number;
  /** A directory every worker shares for checkpoints (a killed cell resumes on another worker), or null. */
  checkpointsDir: string | null;
  signal: AbortSignal;
  log(line: string): void;
}

/**
 * A launcher runs cells (Hydra's launch(cells) → results): it yields each cell's result as it
 * finishes, in any order, with the cell's record in `env.store` by then. The interface is
 * submit-and-collect, so a batch scheduler fits it too (submit an array job, poll, import records).
 * Breaking out of the iteration cancels what is still pending.
 */
export interface Launcher {
  readonly title: string;
  launch(jobs: readonly CellJob[], env: LaunchEnv): AsyncIterable<CellResult>;
  /** For launchers whose cells are taken by workers: the worker's loop (`fer-run worker`), until env.signal aborts. */
  serve?(env: ServeEnv): Promise<void>;
}
