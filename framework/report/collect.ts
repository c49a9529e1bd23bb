import { existsSync } from 'node:fs';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import { BACKENDS, type BackendName } from '../engine/backends.js';
import type { EpochMetrics } from '../engine/trainer.js';
import { readJsonIfExists, readJsonLines } from '../runs/atomic.js';
import { expandCells, type TrainingCell } from '../runs/cells.js';
import { RecordStore } from '../runs/record-store.js';
import type { StoredEvaluation } from '../runs/run-cell.js';

/** The finished results of one experiment, read back from its run directories. */
export interface CollectedResults {
  backend: string;
  cells: {
    cell: TrainingCell;
    dir: string;
    done: boolean;
    /** The final weights, when they are here (a record that came back from a queue worker has none). */
    checkpoint: string | null;
    /** The error of the cell's last run when it failed, else null. */
    error: string | null;
    history: EpochMetrics[];
    env: Record<string, unknown> | null;
    /** When the cell's record last changed state (its end, for a finished cell). */
    updated: string | null;
    evaluations: Map<string, StoredEvaluation>; // key: `${column}#${evalIndex}`
  }[];
}


function collectFor(resolved: ResolvedManifest, runsDir: string, backend: string): CollectedResults {
  const store = new RecordStore(runsDir);
  const cells = expandCells(resolved, backend).map((cell) => {
    const rd = store.cell(resolved.manifest.name, cell.hash);
    const evaluations = new Map<string, StoredEvaluation>();
    for (const ev of cell.evaluations) {
      const r = readJsonIfExists<StoredEvaluation>(rd.evalFile(ev.hash));
      if (r) evaluations.set(`${ev.column}#${ev.evalIndex}`, r);
    }
    const status = rd.status();
    const done = status?.status === 'done';
    return { cell, dir: rd.dir, done, error: status?.status === 'failed' ? (status.error ?? 'failed (no error recorded)') : null, checkpoint: existsSync(rd.checkpoint) ? rd.checkpoint : null, history: readJsonLines<EpochMetrics>(rd.metricsLog), env: readJsonIfExists<Record<string, unknown>>(rd.env), updated: status?.updated ?? null, evaluations };
  });
  return { backend, cells };
}

/**
 * Results for `backend`, or, without one (auto), for whichever backend has the most finished
 * cells (then evaluations; then auto's order): the cell hash includes the backend, so results
 * never mix across backends.
 */
export function collectResults(resolved: ResolvedManifest, runsDir: string, backend?: BackendName): CollectedResults {
  const all = (backend ? [backend] : BACKENDS).map((b) => collectFor(resolved, runsDir, b));
  const score = (r: CollectedResults) => [r.cells.filter((c) => c.done).length, r.cells.reduce((a, c) => a + c.evaluations.size, 0)];
  // A stable sort keeps auto's order among equals.
  return [...all].sort((a, b) => score(b)[0] - score(a)[0] || score(b)[1] - score(a)[1])[0];
}
