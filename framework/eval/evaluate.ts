import * as tf from '@tensorflow/tfjs';
import { assembleBatch } from '../data/batch.js';
import type { SampleSource } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import { FerModel } from '../engine/model.js';
import { Rng } from '../engine/rng.js';
import { trainingIndices } from '../engine/trainer.js';
import { auc, confusionMatrix, iou, perClassAccuracy } from './metrics.js';

export interface EvalResult {
  accuracy: number;
  images: number;
  classes: string[];
  perClass: (number | null)[];
  confusion: number[][];
  /** Test images whose class the model was not trained on (e.g. contempt for a C7 model). */
  excluded: number;
  /** φ's mask quality on occluded images: IoU at 0.5 and per-pixel AUC against the true mask. */
  mask: { iou: number; auc: number | null; images: number } | null;
  /** One character per evaluated image, '1' correct: for paired significance tests across rows. */
  correct: string;
  ids: string[];
}

export interface EvaluateOptions {
  model: FerModel;
  source: SampleSource;
  testClasses: readonly string[];
  trainClasses: readonly string[];
  occluder: Occluder | null;
  imageSize: number;
  /** Seed and key of the occlusion stream: the same for every row, so rows see the same occlusions. */
  seed: number;
  key: string;
  limit: number | null;
  batchSize?: number;
}

/** Accuracy, confusion and (with φ and an occluder) mask quality on one test set. */
export function evaluate(o: EvaluateOptions): EvalResult {
  const toTrain = o.testClasses.map((c) => o.trainClasses.indexOf(c));
  const picked = trainingIndices(o.source.length, o.limit, o.seed).filter((i) => toTrain[o.source.get(i).label] >= 0);
  const excluded = Math.min(o.source.length, o.limit ?? Infinity) - picked.length;
  const [maskH, maskW] = o.model.backbone.lowShape;
  const rng = Rng.derive(o.seed, `eval/${o.key}`);
  const bs = o.batchSize ?? 64;
  const labels: number[] = [];
  const preds: number[] = [];
  const ids: string[] = [];
  const maskScores: number[] = [];
  const maskTruth: number[] = [];
  const withMask = !!(o.occluder && o.model.attention);
  for (let start = 0; start < picked.length; start += bs) {
    const items = picked.slice(start, start + bs).map((index) => ({ index, occluded: o.occluder !== null }));
    const host = assembleBatch({ source: o.source, items, occluder: o.occluder, size: o.imageSize, maskH, maskW, rng, labelMap: (l) => toTrain[l] });
    let p: ArrayLike<number> = [];
    let m: ArrayLike<number> | null = null;
    tf.tidy(() => {
      const x = FerModel.normalize(tf.tensor4d(host.images, [host.count, o.imageSize, o.imageSize, 3]));
      const out = o.model.forward(x, { training: false, updates: [] });
      p = tf.argMax(out.logits, 1).dataSync();
      if (withMask && out.maskLogits) m = tf.sigmoid(out.maskLogits).dataSync();
    });
    labels.push(...host.labels);
    preds.push(...Array.from(p));
    ids.push(...host.ids);
    if (m !== null) {
      const scores: ArrayLike<number> = m;
      for (let i = 0; i < scores.length; i++) {
        maskScores.push(scores[i]);
        maskTruth.push(host.masks[i]);
      }
    }
  }
  const k = o.trainClasses.length;
  const confusion = confusionMatrix(labels, preds, k);
  let right = 0;
  let correct = '';
  for (let i = 0; i < labels.length; i++) {
    const ok = labels[i] === preds[i];
    right += ok ? 1 : 0;
    correct += ok ? '1' : '0';
  }
  return {
    accuracy: labels.length ? right / labels.length : 0,
    images: labels.length,
    classes: [...o.trainClasses],
    perClass: perClassAccuracy(confusion),
    confusion,
    excluded,
    mask: withMask
      ? { iou: iou(maskScores.map((s) => (s >= 0.5 ? 1 : 0)), maskTruth), auc: auc(maskScores, maskTruth), images: labels.length }
      : null,
    correct,
    ids,
  };
}
