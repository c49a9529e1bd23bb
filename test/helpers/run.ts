import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { loadExperiment } from '../../framework/cli/session.js';
import { bindRunServices, runServices } from '../../framework/di/container.js';
import { selectBackend } from '../../framework/engine/backend.js';
import { buildLauncher } from '../../framework/cli/launcher-option.js';
import { runExperiment, type CellOutcome, type RunOptions } from '../../framework/runs/run-experiment.js';
import { tempDir } from './tmp.js';

/**
 * Runs a manifest object in process into `runsDir` on wasm; returns the cell outcomes. `swap`
 * may rebind services in the run's container first (a clock, a launcher), as a test would.
 */
export async function runManifest(
  manifest: Record<string, unknown>,
  runsDir: string,
  extra: RunOptions & { swap?: (c: Container) => void; log?: (l: string) => void } = {},
): Promise<CellOutcome[]> {
  const tmp = tempDir();
  try {
    const file = tmp.write('m.json', manifest);
    const { resolved, container, registry } = await loadExperiment(file, {});
    const backend = await selectBackend('wasm');
    const cacheDir = join(runsDir, '..', 'cache');
    // The project's own in-process launcher, as the CLI builds it.
    const launcher = await buildLauncher(registry, { type: 'local' }, cacheDir);
    bindRunServices(container, { backend, launcher, runsDir, cacheDir, projectDir: process.cwd(), pluginDirs: [], log: extra.log ?? (() => {}) });
    extra.swap?.(container);
    return await runExperiment(resolved, runServices(container), { progress: false, ...extra });
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
