import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SampleSource, Dataset } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import { concatSources } from '../data/concat-source.js';
import { prefetchFeed } from '../data/prefetch.js';
import type { BackendInfo } from '../engine/backend.js';
import { buildModel } from '../engine/build-model.js';
import { restoreModel } from '../engine/checkpoint.js';
import { onSimdWorkerFault, type WorkerFault } from '../engine/kernels/simd/pool.js';
import type { FerModel } from '../engine/model.js';
import { consoleProgress } from '../engine/progress.js';
import { train, type EpochMetrics } from '../engine/trainer.js';
import { FerError, InputError, RunError } from '../errors.js';
import { evaluate, type EvalResult } from '../eval/evaluate.js';
import type { BuildContext } from '../plugin/contract.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { readJsonIfExists, writeJsonAtomic } from './atomic.js';
import type { EvaluationCell, TrainingCell } from './cells.js';
import type { DataCache } from '../data/data-cache.js';
import type { RecordStore, RunDir } from './record-store.js';

/**
 * One cell as data: everything its training and evaluations depend on (the resolved config is
 * inside `cell`), so any process that has the same plugins can run it. This is what a launcher
 * hands out and what a queue job carries.
 */
export interface CellJob {
  experiment: string;
  cell: TrainingCell;
  /** Recompute even if the record says the cell is finished. */
  force: boolean;
  /** How the cell is named in progress lines: "[3/12] M_Res · lab · seed 2". */
  label: string;
}

/** How a cell ended. `badInput`: it failed on input the user must fix (exit 2), not on the run. */
export interface CellResult {
  hash: string;
  status: 'done' | 'failed' | 'reused' | 'interrupted';
  error?: string;
  badInput?: boolean;
}

/** What running a cell needs of its process: the container binds these (di/container.ts). */
export interface CellServices {
  registry: PluginRegistry;
  backend: BackendInfo;
  store: RecordStore;
  data: DataCache;
  /** This process's environment (env.json). */
  env: Record<string, unknown>;
  log: (line: string) => void;
  /** Draw a progress bar per epoch (default true). */
  progress?: boolean;
  /** Prepare batches ahead on a worker thread (default true). */
  prefetch?: boolean;
  /** Stop every training after this many epochs (interruption tests). */
  stopAfterEpochs?: number;
}

export interface StoredEvaluation extends EvalResult {
  column: string;
  label: string;
  evalIndex: number;
  bracket: boolean;
  testTitle: string;
  occluderTitle: string | null;
  /** Test images that could not be read (skipped, listed here so none is lost silently). */
  skippedImages: readonly { id: string; reason: string }[];
}

async function trainingData(cell: TrainingCell, data: DataCache): Promise<{ source: SampleSource; classes: readonly string[]; datasets: Dataset[] }> {
  const t = cell.config.training;
  const size = cell.config.imageSize;
  const datasets = await Promise.all(t.datasets.map((r) => data.dataset(r, size)));
  const classes = datasets[0].classes;
  datasets.forEach((d, i) => {
    if (d.classes.join(',') !== classes.join(',')) {
      throw new InputError(
        `training "${cell.training}": datasets ${t.datasets[0].type} and ${t.datasets[i].type} have different class lists ` +
          `(${classes.join(', ')} vs ${d.classes.join(', ')}). Give them the same class option (e.g. C7 for both).`,
      );
    }
  });
  const sources = await Promise.all(t.datasets.map((r) => data.open(r, t.split, size)));
  return { source: concatSources(sources), classes, datasets };
}

let faultSaid = false;

/**
 * The cell task: trains one cell (resumed from its checkpoint when an earlier attempt was cut
 * short; skipped when its record is finished) and runs the evaluations its record lacks, writing
 * everything through the record store. Never throws for the cell's own failure: that is the result.
 */
export async function runCell(job: CellJob, s: CellServices): Promise<CellResult> {
  const { cell, label } = job;
  const need = s.store.need(job.experiment, cell, job.force);
  const rd = s.store.cell(job.experiment, cell.hash);
  if (need.kind === 'nothing') {
    s.log(`${label}: reused ${rd.dir}`);
    return { hash: cell.hash, status: 'reused' };
  }
  let model: FerModel | null = null;
  // A SIMD worker's share that failed and was recomputed on the calling thread (numbers unchanged):
  // said once in the cell's log (and once on the console per process), counted in env.json.
  const cellFaults: WorkerFault[] = [];
  const unsubscribe = onSimdWorkerFault((f) => {
    if (cellFaults.push(f) > 1) return;
    const line = `SIMD kernel ${f.kernel}: worker thread ${f.thread}'s share failed (${f.message}; heap ${f.workerHeapBytes} bytes as the worker saw it, ${f.heapBytes} on the calling thread)${f.recomputed ? '; the calling thread recomputed it, the numbers are unchanged' : ''}`;
    rd.log(line);
    if (!faultSaid) s.log(`${label}: ${line}`);
    faultSaid = true;
  });
  const imageSize = cell.config.imageSize;
  try {
    const ctx = createBuildContext({ registry: s.registry, seed: cell.seed, imageSize, cacheDir: s.data.cacheDir, runDir: rd.dir, log: (l) => rd.log(l) });
    const { source, classes } = await trainingData(cell, s.data);
    model = await buildModel(cell.config.model, ctx, classes.length);
    let status: CellResult['status'] = 'reused';
    if (need.kind === 'training') {
      if (job.force) rmSync(dirname(rd.checkpoint), { recursive: true, force: true });
      writeJsonAtomic(rd.config, { experiment: job.experiment, row: cell.row, trainingName: cell.training, fold: cell.fold, ...cell.config });
      writeJsonAtomic(rd.env, s.env);
      rd.setStatus('running');
      rd.log(`training ${cell.row} on ${cell.training}, seed ${cell.seed}, ${source.length} images, backend ${s.backend.name}`);
      const occluder = cell.config.training.occluder ? await ctx.build('occluder', cell.config.training.occluder) : null;
      const history = await train({
        model,
        source,
        occluder,
        training: cell.config.training,
        optimizer: cell.config.optimizer,
        lambda1: cell.config.model.lambda1,
        lambda2: cell.config.model.lambda2,
        seed: cell.seed,
        imageSize,
        checkpointFile: rd.checkpoint,
        metricsFile: rd.metricsLog,
        progress: s.progress === false ? undefined : consoleProgress(label),
        stopAfterEpochs: s.stopAfterEpochs,
        log: (l) => rd.log(l),
        feed: s.prefetch === false
          ? undefined
          : (range) =>
              prefetchFeed({
                pluginFiles: s.registry.all().map((p) => p.file),
                datasets: cell.config.training.datasets,
                split: cell.config.training.split,
                occluder: cell.config.training.occluder ?? null,
                seed: cell.seed,
                imageSize,
                cacheDir: s.data.cacheDir,
                batchSize: cell.config.training.batchSize,
                mix: cell.config.training.mix,
                epochs: range.endEpoch,
                ...range,
              }),
      });
      if (history.length < cell.config.training.epochs) {
        rd.setStatus('running', { epochsDone: history.length });
        return { hash: cell.hash, status: 'interrupted' };
      }
      writeJsonAtomic(rd.metrics, finalMetrics(history, source, classes));
      rd.setStatus('done', { epochsDone: history.length });
      status = 'done';
    } else {
      // Finished earlier: load the final weights for the evaluations added since.
      restoreModel(model, rd.checkpoint);
    }
    const missing = need.kind === 'training' ? cell.evaluations : cell.evaluations.filter((e) => need.hashes.includes(e.hash));
    for (const ev of missing) await runEvaluation(ev, model, classes, ctx, s.data, rd, imageSize);
    updateEvalSummary(rd, cell);
    s.log(`${label}: ${status} → ${rd.dir}`);
    return { hash: cell.hash, status };
  } catch (e) {
    let message = e instanceof Error ? e.message : String(e);
    try {
      rd.setStatus('failed', { error: message });
      rd.log(`failed: ${message}`);
      if (!(e instanceof FerError)) rd.log((e as Error).stack ?? '');
    } catch (recordError) {
      // The disk filled up or the run directory went away: the cell's own error is still the news.
      message += `; its run record could not be written either (${(recordError as Error).message})`;
    }
    if (!(e instanceof InputError)) s.log(`${label}: FAILED: ${message}`);
    return { hash: cell.hash, status: 'failed', error: message, ...(e instanceof InputError ? { badInput: true } : {}) };
  } finally {
    model?.dispose();
    unsubscribe();
    if (cellFaults.length > 0) {
      rd.log(`SIMD worker faults in this cell: ${cellFaults.length} (${cellFaults.filter((f) => f.recomputed).length} recomputed on the calling thread)`);
      writeJsonAtomic(rd.env, { ...(readJsonIfExists<Record<string, unknown>>(rd.env) ?? s.env), simdWorkerFaults: cellFaults });
    }
  }
}

function finalMetrics(history: EpochMetrics[], source: SampleSource, classes: readonly string[]) {
  const last = history[history.length - 1];
  return {
    epochs: history.length,
    final: last,
    trainImages: source.length,
    classes,
    skippedImages: source.skipped,
    seconds: history.reduce((a, h) => a + h.seconds, 0),
  };
}

async function runEvaluation(ev: EvaluationCell, model: FerModel, trainClasses: readonly string[], ctx: BuildContext, data: DataCache, rd: RunDir, imageSize: number): Promise<void> {
  const test = ev.config.test;
  const dataset = await data.dataset(test.dataset, imageSize);
  const source = await data.open(test.dataset, test.split, imageSize);
  const occluder: Occluder | null = ev.config.occluder ? await ctx.build('occluder', ev.config.occluder) : null;
  const result = evaluate({
    model,
    source,
    testClasses: dataset.classes,
    trainClasses,
    occluder,
    imageSize,
    seed: ev.config.seed,
    key: ev.hash,
    limit: test.limit,
  });
  if (result.images === 0) throw new RunError(`column "${ev.column}": no test image of ${dataset.title} has a class the model was trained on.`);
  const stored: StoredEvaluation = {
    ...result,
    column: ev.column,
    label: ev.label,
    evalIndex: ev.evalIndex,
    bracket: ev.bracket,
    testTitle: dataset.title,
    occluderTitle: occluder?.title ?? null,
    skippedImages: source.skipped,
  };
  writeJsonAtomic(rd.evalFile(ev.hash), { config: ev.config, ...stored });
  rd.log(`evaluated ${ev.column} (${ev.label}): accuracy ${(result.accuracy * 100).toFixed(2)}% on ${result.images} images`);
}

/** metrics.json's `evaluations` block: accuracy per column/eval, for a quick look without the report. */
function updateEvalSummary(rd: RunDir, cell: TrainingCell): void {
  const metrics = readJsonIfExists<Record<string, unknown>>(rd.metrics) ?? {};
  const evaluations = cell.evaluations.map((e) => {
    const r = readJsonIfExists<StoredEvaluation>(rd.evalFile(e.hash));
    return { column: e.column, label: e.label, accuracy: r?.accuracy ?? null, images: r?.images ?? 0, mask: r?.mask ?? null, file: `evals/${e.hash}.json` };
  });
  writeJsonAtomic(rd.metrics, { ...metrics, evaluations });
}
