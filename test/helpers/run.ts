import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperiment } from '../../framework/cli/session.js';
import { selectBackend } from '../../framework/engine/backend.js';
import { runExperiment, type CellOutcome } from '../../framework/runs/run-experiment.js';
import { tempDir } from './tmp.js';

/** Runs a manifest object in process into `runsDir`; returns the cell outcomes. */
export async function runManifest(manifest: Record<string, unknown>, runsDir: string, extra: { force?: boolean; stopAfterEpochs?: number; prefetch?: boolean } = {}): Promise<CellOutcome[]> {
  const tmp = tempDir();
  try {
    const file = tmp.write('m.json', manifest);
    const { resolved, registry } = await loadExperiment(file, {});
    const backend = await selectBackend('wasm');
    return await runExperiment({
      resolved,
      registry,
      backend,
      runsDir,
      cacheDir: join(runsDir, '..', 'cache'),
      projectDir: process.cwd(),
      progress: false,
      log: () => {},
      ...extra,
    });
  } finally {
    tmp.cleanup();
  }
}

/** The per-epoch metrics of a cell, without wall-clock fields. */
export function epochLog(dir: string): Record<string, number>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { seconds: _s, imagesPerSecond: _i, ...rest } = JSON.parse(l);
      return rest;
    });
}

/** Each evaluation of a cell: accuracy and the per-image correctness string. */
export function evaluations(dir: string): Record<string, { accuracy: number; correct: string }> {
  const out: Record<string, { accuracy: number; correct: string }> = {};
  for (const f of readdirSync(join(dir, 'evals')).sort()) {
    const e = JSON.parse(readFileSync(join(dir, 'evals', f), 'utf8'));
    out[f] = { accuracy: e.accuracy, correct: e.correct };
  }
  return out;
}
