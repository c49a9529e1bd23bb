import * as tf from '@tensorflow/tfjs';
import { subsetSource } from '../data/concat-source.js';
import { EpochBatches, inlineFeed, type BatchFeed } from '../data/epoch-batches.js';
import type { SampleSource } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import { occlusionPrior } from '../data/training-mix.js';
import { appendJsonLine, readJsonLines } from '../runs/atomic.js';
import { Adam, cosineRestartsLr } from './adam.js';
import { loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.js';
import type { FerModel } from './model.js';
import { Rng } from './rng.js';
import { trainStep, type StepLosses } from './train-step.js';
import type { OptimizerSpec, TrainingSpec } from '../config/manifest.js';

export interface EpochMetrics {
  epoch: number;
  lr: number;
  loss: number;
  lossEmp: number;
  lossNoisy: number;
  lossF: number;
  lossD: number;
  trainAccuracy: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface ProgressSink {
  start(totalSteps: number, epochs: number): void;
  step(info: { epoch: number; step: number; steps: number; losses: StepLosses; imagesPerSecond: number }): void;
  epoch(m: EpochMetrics): void;
  stop(): void;
}

export interface TrainOptions {
  model: FerModel;
  source: SampleSource;
  occluder: Occluder | null;
  training: TrainingSpec;
  optimizer: OptimizerSpec;
  lambda1: number;
  lambda2: number;
  seed: number;
  imageSize: number;
  /** Checkpoint file (resumed from when present) and the append-only metrics log. */
  checkpointFile: string;
  metricsFile: string;
  progress?: ProgressSink;
  /** Stop after this many epochs in this call (tests of resume); the run continues later. */
  stopAfterEpochs?: number;
  /** The cell's log (a resumed training says so there). */
  log?: (line: string) => void;
  /**
   * Where batches come from: by default assembled inline on this thread; the experiment runner
   * passes a worker-thread prefetcher. Either walks the same seeded epochs, so results are equal.
   */
  feed?: (range: { startEpoch: number; endEpoch: number; indices: number[]; maskH: number; maskW: number }) => BatchFeed;
}

interface CheckpointMeta {
  epoch: number;
  seed: number;
  adamSteps: Record<string, number>;
  history: EpochMetrics[];
  rng: string;
}

/** Indices of the training subset: all, or a seeded `limit`-sized subset. */
export function trainingIndices(n: number, limit: number | null, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (limit === null || limit >= n) return all;
  return Rng.derive(seed, 'train/subset').shuffle(all).slice(0, limit).sort((a, b) => a - b);
}

/**
 * The training loop: epochs of the 1:1 clean/occluded mix, the cosine periodic learning rate per
 * step, a checkpoint (weights, Adam state, epoch, RNG derivation) after every epoch, and one
 * metrics.jsonl line per epoch. Every random draw of epoch e comes from Rng.derive(seed, "epoch/e"),
 * so a run resumed from the checkpoint of epoch e continues exactly as an uninterrupted one.
 */
export async function train(o: TrainOptions): Promise<EpochMetrics[]> {
  const { model, training } = o;
  const opt = new Adam({ beta1: o.optimizer.beta1, beta2: o.optimizer.beta2, epsilon: o.optimizer.epsilon, weightDecay: o.optimizer.weightDecay, decoupled: o.optimizer.decoupled });
  const allVars = model.variables();
  let history: EpochMetrics[] = [];
  let startEpoch = 0;

  const ckpt = loadCheckpoint<CheckpointMeta>(o.checkpointFile);
  if (ckpt) {
    restoreVariables(ckpt, allVars, o.checkpointFile);
    opt.restore(ckpt.tensors, ckpt.shapes, ckpt.meta.adamSteps);
    history = ckpt.meta.history;
    startEpoch = ckpt.meta.epoch + 1;
    o.log?.(`resuming from the checkpoint of epoch ${startEpoch} of ${o.training.epochs}`);
    // metrics.jsonl is append-only: add the epochs the checkpoint knows but the log lacks (a crash between the two writes).
    const logged = new Set(readJsonLines<EpochMetrics>(o.metricsFile).map((m) => m.epoch));
    for (const m of history) if (!logged.has(m.epoch)) appendJsonLine(o.metricsFile, m);
  }

  const indices = trainingIndices(o.source.length, training.limit, o.seed);
  const sub = subsetSource(o.source, indices);
  const [maskH, maskW] = model.backbone.lowShape;
  const S = o.imageSize;
  const batches = new EpochBatches(sub, o.occluder, { seed: o.seed, batchSize: training.batchSize, mix: training.mix, imageSize: S, maskH, maskW });
  const stepsPerEpoch = batches.plan(0).length;
  o.progress?.start(stepsPerEpoch * (training.epochs - startEpoch), training.epochs);
  const lastEpoch = Math.min(training.epochs, o.stopAfterEpochs !== undefined ? startEpoch + o.stopAfterEpochs : training.epochs);
  const feed = o.feed ? o.feed({ startEpoch, endEpoch: lastEpoch, indices, maskH, maskW }) : inlineFeed(batches);

  try {
    for (let e = startEpoch; e < lastEpoch; e++) {
      const plan = batches.plan(e);
      const prior = occlusionPrior(plan);
      const t0 = performance.now();
      const sums = { total: 0, emp: 0, noisy: 0, f: 0, d: 0, correct: 0 };
      let images = 0;
      let lr = o.optimizer.lr;
      for (let b = 0; b < plan.length; b++) {
        const host = await feed.next(e);
        lr =
          o.optimizer.schedule.type === 'constant'
            ? o.optimizer.lr
            : cosineRestartsLr(e + b / plan.length, o.optimizer.lr, o.optimizer.schedule.min, o.optimizer.schedule.period);
        const batch = {
          images: tf.tensor4d(host.images, [host.count, S, S, 3]),
          labels: tf.tensor1d(host.labels),
          occluded: tf.tensor1d(host.occluded),
          masks: tf.tensor4d(host.masks, [host.count, maskH, maskW, 1]),
        };
        let losses: StepLosses;
        try {
          losses = trainStep(model, opt, batch, lr, { lambda1: o.lambda1, lambda2: o.lambda2, prior });
        } finally {
          tf.dispose(Object.values(batch));
        }
        for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += k === 'correct' ? losses[k] : losses[k] * host.count;
        images += host.count;
        o.progress?.step({ epoch: e, step: b, steps: plan.length, losses, imagesPerSecond: images / ((performance.now() - t0) / 1000) });
        await new Promise((r) => setImmediate(r)); // let the progress bar and signals through
      }
      const seconds = (performance.now() - t0) / 1000;
      const m: EpochMetrics = {
        epoch: e,
        lr,
        loss: sums.total / images,
        lossEmp: sums.emp / images,
        lossNoisy: sums.noisy / images,
        lossF: sums.f / images,
        lossD: sums.d / images,
        trainAccuracy: sums.correct / images,
        images,
        seconds,
        imagesPerSecond: images / seconds,
      };
      history.push(m);
      const state = opt.state();
      saveCheckpoint(o.checkpointFile, new Map<string, tf.Tensor>([...allVars, ...state.tensors]), {
        epoch: e,
        seed: o.seed,
        adamSteps: state.steps,
        history,
        rng: `Rng.derive(seed, "epoch/${e + 1}/…")`,
      } satisfies CheckpointMeta);
      appendJsonLine(o.metricsFile, m);
      o.progress?.epoch(m);
    }
  } finally {
    o.progress?.stop();
    opt.dispose();
    await feed.close();
  }
  return history;
}
