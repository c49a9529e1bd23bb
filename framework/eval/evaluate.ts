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
  const withMask = !!(o.occluder && o.model.attention);
  // Every pixel of φ's masks (two million for 2,000 faces at 32×32), in preallocated typed arrays.
  const maskPixels = maskH * maskW;
  const maskScores = new Float32Array(withMask ? picked.length * maskPixels : 0);
  const maskTruth = new Uint8Array(maskScores.length);
  let maskFilled = 0;
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
      if (scores.length !== host.count * maskPixels) throw new Error(`φ's mask has ${scores.length / host.count} pixels per image, not the ${maskH}×${maskW} of Res_low`);
      for (let i = 0; i < scores.length; i++) {
        maskScores[maskFilled + i] = scores[i];
        maskTruth[maskFilled + i] = host.masks[i] > 0 ? 1 : 0;
      }
      maskFilled += scores.length;
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
  const scores = maskScores.subarray(0, maskFilled);
  const truth = maskTruth.subarray(0, maskFilled);
  return {
    accuracy: labels.length ? right / labels.length : 0,
    images: labels.length,
    classes: [...o.trainClasses],
    perClass: perClassAccuracy(confusion),
    confusion,
    excluded,
    mask: withMask
      ? { iou: iou(scores.map((s) => (s >= 0.5 ? 1 : 0)), truth), auc: auc(scores, truth), images: labels.length }
      : null,
    correct,
    ids,
  };
}
