import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { EpochMetrics } from '../engine/trainer.js';
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

const read = <T>(file: string): T | null => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null);

function collectFor(resolved: ResolvedManifest, runsDir: string, backend: string): CollectedResults {
  const cells = expandCells(resolved, backend).map((cell) => {
    const dir = join(runsDir, resolved.manifest.name, cell.hash);
    const status = read<{ status: string }>(join(dir, 'status.json'));
    const history = existsSync(join(dir, 'metrics.jsonl'))
      ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochMetrics)
      : [];
    const evaluations = new Map<string, StoredEvaluation>();
    for (const ev of cell.evaluations) {
      const r = read<StoredEvaluation>(join(dir, 'evals', `${ev.hash}.json`));
      if (r) evaluations.set(`${ev.column}#${ev.evalIndex}`, r);
    }
    return { cell, dir, done: status?.status === 'done', history, env: read<Record<string, unknown>>(join(dir, 'env.json')), evaluations };
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
