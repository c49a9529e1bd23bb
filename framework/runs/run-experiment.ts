import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { RunServices } from '../di/container.js';
import { InputError } from '../errors.js';
import { datasetRefs, expandCells, type TrainingCell } from './cells.js';
import type { DataCache } from '../data/data-cache.js';
import { ferRunIdentity } from './identity.js';
import { longestFirst } from './launch-order.js';
import { runCell, type CellJob, type CellResult } from './run-cell.js';

export type { StoredEvaluation } from './run-cell.js';

export interface RunOptions {
  force?: boolean;
  /** Stop every training after this many epochs in this call (interruption tests; in-process cells only). */
  stopAfterEpochs?: number;
  /** Prepare batches ahead on a worker thread (default true; in-process cells). */
  prefetch?: boolean;
  progress?: boolean;
}

export interface CellOutcome {
  cell: TrainingCell;
  dir: string;
  status: CellResult['status'];
  error?: string;
}

/** Fails with an exit-2 error before any training when a dataset is missing or misconfigured. */
async function preflight(resolved: ResolvedManifest, data: DataCache): Promise<void> {
  const problems: string[] = [];
  for (const r of datasetRefs(resolved)) {
    try {
      await data.dataset(r, resolved.manifest.imageSize);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (!problems.includes(e.message)) problems.push(e.message);
    }
  }
  if (problems.length === 1) throw new InputError(problems[0]);
  if (problems.length > 1) throw new InputError(`${problems.length} datasets are not usable:\n- ${problems.join('\n- ')}`);
}

/**
 * Runs an experiment: expands it into cells (row × training × seed × fold), takes the finished
 * ones from the record store, and hands the rest to the launcher, which runs each cell task
 * (runCell), longest first, wherever it runs cells and brings its record back into the store. Returns every
 * cell's outcome, in the experiment's order.
 */
export async function runExperiment(resolved: ResolvedManifest, s: RunServices, o: RunOptions = {}): Promise<CellOutcome[]> {
  const m = resolved.manifest;
  await preflight(resolved, s.data);
  const cells = expandCells(resolved, s.backend.name);
  const results = new Map<string, CellResult>();
  const jobs: CellJob[] = [];
  cells.forEach((cell, i) => {
    const label = `[${i + 1}/${cells.length}] ${cell.row} · ${cell.training}${cell.fold === null ? '' : ` · fold ${cell.fold + 1}/${cell.config.training.folds}`} · seed ${cell.seed}`;
    if (s.store.need(m.name, cell, o.force).kind === 'nothing') {
      s.log(`${label}: reused ${s.store.cell(m.name, cell.hash).dir}`);
      results.set(cell.hash, { hash: cell.hash, status: 'reused' });
    } else jobs.push({ experiment: m.name, cell, force: o.force ?? false, label });
  });
  const cellServices = { ...s, progress: o.progress, prefetch: o.prefetch, stopAfterEpochs: o.stopAfterEpochs };
  if (jobs.length > 0) {
    const env = { runHere: (job: CellJob) => runCell(job, cellServices), runner: s.runner, store: s.store, identity: ferRunIdentity(s.registry), log: s.log };
    for await (const r of s.launcher.launch(longestFirst(jobs), env)) {
      results.set(r.hash, r);
      // Input the user must fix fails every cell alike: stop (the launcher cancels the rest) and say it once.
      if (r.badInput) throw new InputError(r.error ?? 'a cell was given bad input');
    }
  }
  return cells.map((cell) => {
    const r = results.get(cell.hash) ?? { hash: cell.hash, status: 'failed' as const, error: `the ${s.launcher.title} launcher returned no result for this cell` };
    return { cell, dir: s.store.cell(m.name, cell.hash).dir, status: r.status, ...(r.error ? { error: r.error } : {}) };
  });
}
