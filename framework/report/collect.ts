import { join } from 'node:path';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { EpochMetrics } from '../engine/trainer.js';
import { readJsonIfExists, readJsonLines } from '../runs/atomic.js';
import { expandCells, type TrainingCell } from '../runs/cells.js';
import type { StoredEvaluation } from '../runs/run-experiment.js';

/** The finished results of one experiment, read back from its run directories. */
export interface CollectedResults {
  backend: string;
  cells: {
    cell: TrainingCell;
    dir: string;
    done: boolean;
    history: EpochMetrics[];
    env: Record<string, unknown> | null;
    evaluations: Map<string, StoredEvaluation>; // key: `${column}#${evalIndex}`
  }[];
}


function collectFor(resolved: ResolvedManifest, runsDir: string, backend: string): CollectedResults {
  const cells = expandCells(resolved, backend).map((cell) => {
    const dir = join(runsDir, resolved.manifest.name, cell.hash);
    const status = readJsonIfExists<{ status: string }>(join(dir, 'status.json'));
    const history = readJsonLines<EpochMetrics>(join(dir, 'metrics.jsonl'));
    const evaluations = new Map<string, StoredEvaluation>();
    for (const ev of cell.evaluations) {
      const r = readJsonIfExists<StoredEvaluation>(join(dir, 'evals', `${ev.hash}.json`));
      if (r) evaluations.set(`${ev.column}#${ev.evalIndex}`, r);
    }
    return { cell, dir, done: status?.status === 'done', history, env: readJsonIfExists<Record<string, unknown>>(join(dir, 'env.json')), evaluations };
  });
  return { backend, cells };
}

/**
 * Results for `backend`, or, when the manifest says auto, for whichever backend has the most
 * finished evaluations (the cell hash includes the backend: results never mix across backends).
 */
export function collectResults(resolved: ResolvedManifest, runsDir: string, backend?: string): CollectedResults {
  const candidates = backend ? [backend] : ['tensorflow', 'wasm', 'cpu'];
  const all = candidates.map((b) => collectFor(resolved, runsDir, b));
  const score = (r: CollectedResults) => r.cells.reduce((a, c) => a + c.evaluations.size, 0);
  return all.sort((a, b) => score(b) - score(a))[0];
}
