import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dataset, SampleSource } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import type { BuildContext, PluginRef } from '../plugin/contract.js';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { BackendInfo } from '../engine/backend.js';
import { restoreModel } from '../engine/checkpoint.js';
import { buildModel } from '../engine/build-model.js';
import type { FerModel } from '../engine/model.js';
import { consoleProgress } from '../engine/progress.js';
import { prefetchFeed } from '../data/prefetch.js';
import { concatSources } from '../data/concat-source.js';
import { train, type EpochMetrics } from '../engine/trainer.js';
import { FerError, InputError, RunError } from '../errors.js';
import { evaluate, type EvalResult } from '../eval/evaluate.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { readJsonIfExists, writeJsonAtomic } from './atomic.js';
import { datasetRefs, expandCells, type EvaluationCell, type TrainingCell } from './cells.js';
import { captureEnvironment, RunDir } from './run-record.js';
import { onSimdWorkerFault, type WorkerFault } from '../engine/kernels/simd/pool.js';

export interface RunOptions {
  resolved: ResolvedManifest;
  registry: PluginRegistry;
  backend: BackendInfo;
  runsDir: string;
  cacheDir: string;
  projectDir: string;
  force?: boolean;
  /** Stop every training after this many epochs in this call (interruption tests). */
  stopAfterEpochs?: number;
  /** Prepare batches ahead on a worker thread (default true). */
  prefetch?: boolean;
  /** Run only the cells i with i % count === index (one of several worker processes). */
  shard?: { index: number; count: number };
  log?: (line: string) => void;
  progress?: boolean;
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

export interface CellOutcome {
  cell: TrainingCell;
  dir: string;
  status: 'done' | 'failed' | 'reused' | 'interrupted';
  error?: string;
}

const refKey = (ref: PluginRef) => JSON.stringify(ref);

/** Datasets and opened splits, shared by every cell of a run (a split is decoded once). */
class DataCache {
  private readonly datasets = new Map<string, Dataset>();
  private readonly sources = new Map<string, Promise<SampleSource>>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly imageSize: number,
    private readonly cacheDir: string,
    private readonly log: (l: string) => void,
  ) {}

  async dataset(ref: PluginRef): Promise<Dataset> {
    const key = refKey(ref);
    let d = this.datasets.get(key);
    if (!d) {
      // Datasets do not depend on the run seed: their content is fixed, like a real dataset's.
      const ctx = createBuildContext({ registry: this.registry, seed: 0, imageSize: this.imageSize, cacheDir: this.cacheDir, log: this.log });
      d = await ctx.build('dataset', ref);
      this.datasets.set(key, d);
    }
    return d;
  }

  async open(ref: PluginRef, split: string): Promise<SampleSource> {
    const d = await this.dataset(ref);
    if (!d.splits.includes(split)) throw new InputError(`dataset "${ref.type}" has no split "${split}"; its splits are ${d.splits.join(', ')}.`);
    const key = `${refKey(ref)}#${split}`;
    let s = this.sources.get(key);
    if (!s) {
      this.log(`preparing ${d.title}, split ${split}, at ${this.imageSize} px`);
      s = d.open(split, this.imageSize);
      this.sources.set(key, s);
    }
    return s;
  }
}

async function trainingData(cell: TrainingCell, data: DataCache): Promise<{ source: SampleSource; classes: readonly string[]; datasets: Dataset[] }> {
  const t = cell.config.training;
  const datasets = await Promise.all(t.datasets.map((r) => data.dataset(r)));
  const classes = datasets[0].classes;
  datasets.forEach((d, i) => {
    if (d.classes.join(',') !== classes.join(',')) {
      throw new InputError(
        `training "${cell.training}": datasets ${t.datasets[0].type} and ${t.datasets[i].type} have different class lists ` +
          `(${classes.join(', ')} vs ${d.classes.join(', ')}). Give them the same class option (e.g. C7 for both).`,
      );
    }
  });
  const sources = await Promise.all(t.datasets.map((r) => data.open(r, t.split)));
  return { source: concatSources(sources), classes, datasets };
}

/** Fails with an exit-2 error before any training when a dataset is missing or misconfigured. */
async function preflight(resolved: ResolvedManifest, data: DataCache): Promise<void> {
  const problems: string[] = [];
  for (const r of datasetRefs(resolved)) {
    try {
      await data.dataset(r);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (!problems.includes(e.message)) problems.push(e.message);
    }
  }
  if (problems.length === 1) throw new InputError(problems[0]);
  if (problems.length > 1) throw new InputError(`${problems.length} datasets are not usable:\n- ${problems.join('\n- ')}`);
}

/**
 * Runs an experiment in process: each training cell once per row × training × seed (reused when a
 * finished cell with the same config hash exists, resumed from its checkpoint when interrupted),
 * then every evaluation its columns ask for. Cells are self-contained (resolved config in, run
 * directory out), so another executor (a job queue) can take them unchanged.
 */
export async function runExperiment(o: RunOptions): Promise<CellOutcome[]> {
  const m = o.resolved.manifest;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const data = new DataCache(o.registry, m.imageSize, o.cacheDir, log);
  await preflight(o.resolved, data);
  const cells = expandCells(o.resolved, o.backend.name).filter((_, i) => !o.shard || i % o.shard.count === o.shard.index);
  const outcomes: CellOutcome[] = [];
  const env = captureEnvironment(o.backend, o.projectDir);
  let faultSaid = false;

  for (const [i, cell] of cells.entries()) {
    const rd = RunDir.of(o.runsDir, m.name, cell.hash);
    const label = `[${i + 1}/${cells.length}] ${cell.row} · ${cell.training}${cell.fold === null ? '' : ` · fold ${cell.fold + 1}/${cell.config.training.folds}`} · seed ${cell.seed}`;
    const finished = rd.status()?.status === 'done' && existsSync(rd.checkpoint) && !o.force;
    const missingEvals = cell.evaluations.filter((e) => o.force || !existsSync(rd.evalFile(e.hash)));
    if (finished && missingEvals.length === 0) {
      log(`${label}: reused ${rd.dir}`);
      outcomes.push({ cell, dir: rd.dir, status: 'reused' });
      continue;
    }
    let model: FerModel | null = null;
    // A SIMD worker's share that failed and was recomputed on the calling thread (numbers unchanged):
    // said once in the cell's log (and once on the console per process), counted in env.json.
    const cellFaults: WorkerFault[] = [];
    const unsubscribe = onSimdWorkerFault((f) => {
      if (cellFaults.push(f) > 1) return;
      const line = `SIMD kernel ${f.kernel}: worker thread ${f.thread}'s share failed (${f.message}; heap ${f.workerHeapBytes} bytes as the worker saw it, ${f.heapBytes} on the calling thread)${f.recomputed ? '; the calling thread recomputed it, the numbers are unchanged' : ''}`;
      rd.log(line);
      if (!faultSaid) log(`${label}: ${line}`);
      faultSaid = true;
    });
    try {
      const ctx = createBuildContext({ registry: o.registry, seed: cell.seed, imageSize: m.imageSize, cacheDir: o.cacheDir, runDir: rd.dir, log: (l) => rd.log(l) });
      const { source, classes } = await trainingData(cell, data);
      model = await buildModel(cell.config.model, ctx, classes.length);
      let status: CellOutcome['status'] = 'reused';
      if (!finished) {
        if (o.force) rmSync(dirname(rd.checkpoint), { recursive: true, force: true });
        writeJsonAtomic(rd.config, { experiment: m.name, row: cell.row, trainingName: cell.training, fold: cell.fold, ...cell.config });
        writeJsonAtomic(rd.env, env);
        rd.setStatus('running');
        rd.log(`training ${cell.row} on ${cell.training}, seed ${cell.seed}, ${source.length} images, backend ${o.backend.name}`);
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
          imageSize: m.imageSize,
          checkpointFile: rd.checkpoint,
          metricsFile: rd.metricsLog,
          progress: o.progress === false ? undefined : consoleProgress(label),
          stopAfterEpochs: o.stopAfterEpochs,
          feed: o.prefetch === false
            ? undefined
            : (range) =>
                prefetchFeed({
                  pluginFiles: o.registry.all().map((p) => p.file),
                  datasets: cell.config.training.datasets,
                  split: cell.config.training.split,
                  occluder: cell.config.training.occluder ?? null,
                  seed: cell.seed,
                  imageSize: m.imageSize,
                  cacheDir: o.cacheDir,
                  batchSize: cell.config.training.batchSize,
                  mix: cell.config.training.mix,
                  epochs: range.endEpoch,
                  ...range,
                }),
        });
        if (history.length < cell.config.training.epochs) {
          rd.setStatus('running', { epochsDone: history.length });
          outcomes.push({ cell, dir: rd.dir, status: 'interrupted' });
          continue;
        }
        writeJsonAtomic(rd.metrics, finalMetrics(history, source, classes));
        rd.setStatus('done', { epochsDone: history.length });
        status = 'done';
      } else {
        // Finished earlier: load the final weights for the evaluations added since.
        restoreModel(model, rd.checkpoint);
      }
      for (const ev of missingEvals) await runEvaluation(ev, model, classes, ctx, data, rd, m.imageSize);
      await updateEvalSummary(rd, cell);
      log(`${label}: ${status} → ${rd.dir}`);
      outcomes.push({ cell, dir: rd.dir, status });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      rd.setStatus('failed', { error: message });
      rd.log(`failed: ${message}`);
      if (e instanceof InputError) throw e;
      if (!(e instanceof FerError)) rd.log((e as Error).stack ?? '');
      log(`${label}: FAILED: ${message}`);
      outcomes.push({ cell, dir: rd.dir, status: 'failed', error: message });
    } finally {
      model?.dispose();
      unsubscribe();
      if (cellFaults.length > 0) {
        rd.log(`SIMD worker faults in this cell: ${cellFaults.length} (${cellFaults.filter((f) => f.recomputed).length} recomputed on the calling thread)`);
        writeJsonAtomic(rd.env, { ...(readJsonIfExists<Record<string, unknown>>(rd.env) ?? env), simdWorkerFaults: cellFaults });
      }
    }
  }
  return outcomes;
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

async function runEvaluation(
  ev: EvaluationCell,
  model: FerModel,
  trainClasses: readonly string[],
  ctx: BuildContext,
  data: DataCache,
  rd: RunDir,
  imageSize: number,
): Promise<void> {
  const test = ev.config.test;
  const dataset = await data.dataset(test.dataset);
  const source = await data.open(test.dataset, test.split);
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
async function updateEvalSummary(rd: RunDir, cell: TrainingCell): Promise<void> {
  const metrics = readJsonIfExists<Record<string, unknown>>(rd.metrics) ?? {};
  const evaluations = cell.evaluations.map((e) => {
    const r = readJsonIfExists<StoredEvaluation>(rd.evalFile(e.hash));
    return { column: e.column, label: e.label, accuracy: r?.accuracy ?? null, images: r?.images ?? 0, mask: r?.mask ?? null, file: `evals/${e.hash}.json` };
  });
  writeJsonAtomic(rd.metrics, { ...metrics, evaluations });
}
