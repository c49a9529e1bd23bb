import * as tf from '@tensorflow/tfjs';
import { RunError } from '../errors.js';
import type { Adam } from './adam.js';
import { applyMovingStats, mergeParams } from './layers.js';
import { lossD, lossEmp, lossF, lossNoisy } from './losses.js';
import { FerModel } from './model.js';
import type { ForwardState } from './modules.js';

/** One batch as tensors: images 0–255, labels, occlusion flags and φ-resolution target masks. */
export interface BatchTensors {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  occluded: tf.Tensor1D;
  masks: tf.Tensor4D;
}

export interface StepConfig {
  lambda1: number;
  lambda2: number;
  /** Empirical occlusion prior P_E = [P(clean), P(occluded)] of the training mix (eq. 5). */
  prior: readonly [number, number];
}

export interface StepLosses {
  total: number;
  emp: number;
  noisy: number;
  f: number;
  d: number;
  correct: number;
}

function byVariableName(vars: Map<string, tf.Variable>): { list: tf.Variable[]; back: Map<string, string> } {
  const back = new Map<string, string>();
  for (const [name, v] of vars) back.set(v.name, name);
  return { list: [...vars.values()], back };
}

function rename(grads: tf.NamedTensorMap, back: Map<string, string>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) out[back.get(k)!] = g;
  return out;
}

/**
 * One training step of eq. 8 with the paper's alternation:
 * 1. F/R-step: minimise L_emp + λ1·L_noisy + λ2·L_F over extractor, attention and classifier
 *    variables only (D fixed: its variables are not in the list).
 * 2. D-step: minimise L_D over the discriminator's variables only, on the features F(x) of the
 *    same batch computed by the (fixed) extractor in step 1. Reusing them saves a second extractor
 *    forward pass; the features are detached, so no gradient reaches F.
 * Variable lists are always explicit (tfjs would otherwise update every trainable variable).
 */
export function trainStep(model: FerModel, opt: Adam, batch: BatchTensors, lr: number, cfg: StepConfig): StepLosses {
  const s: ForwardState = { training: true, updates: [] };
  const fr = mergeParams(model.params('extractor'), model.params('attention'), model.params('classifier')).trainable;
  const frList = byVariableName(fr);
  let features: tf.Tensor2D | null = null;
  const kept: tf.Scalar[] = [];
  let correct: tf.Scalar | null = null;

  const fr_ = tf.variableGrads(() => {
    const out = model.forward(FerModel.normalize(batch.images), s);
    const emp = lossEmp(out.logits, batch.labels);
    let total = emp;
    let noisy = tf.scalar(0);
    let lf = tf.scalar(0);
    if (model.attention && out.maskLogits) {
      noisy = lossNoisy(out.maskLogits, batch.masks);
      total = tf.add(total, tf.mul(noisy, cfg.lambda1));
    }
    if (model.discriminator) {
      lf = lossF(model.discriminator.logits(out.features, s), cfg.prior);
      total = tf.add(total, tf.mul(lf, cfg.lambda2));
    }
    features = tf.keep(out.features);
    correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out.logits, 1), tf.cast(batch.labels, 'int32')), 'float32')) as tf.Scalar);
    kept.push(tf.keep(emp), tf.keep(noisy), tf.keep(lf));
    return total as tf.Scalar;
  }, frList.list);
  opt.apply('fr', fr, rename(fr_.grads, frList.back), lr);
  tf.dispose(fr_.grads);
  applyMovingStats(s);

  let ld = tf.scalar(0);
  if (model.discriminator) {
    const dVars = model.params('discriminator').trainable;
    const dList = byVariableName(dVars);
    const d_ = tf.variableGrads(() => lossD(model.discriminator!.logits(features!, s), batch.occluded), dList.list);
    opt.apply('d', dVars, rename(d_.grads, dList.back), lr);
    tf.dispose(d_.grads);
    ld.dispose();
    ld = d_.value;
    applyMovingStats(s);
  }
  const values = tf.tidy(() => tf.stack([fr_.value, ...kept, ld, correct!]).dataSync());
  tf.dispose([fr_.value, ...kept, ld, correct!, features!]);
  const [total, emp, noisy, f, d, nCorrect] = Array.from(values);
  if (!Number.isFinite(total) || !Number.isFinite(d)) {
    throw new RunError(`training diverged: the loss became ${Number.isFinite(total) ? d : total} (L_emp ${emp}, L_noisy ${noisy}, L_F ${f}, L_D ${d}). Lower optimizer.lr or check the data; the last good checkpoint is kept.`);
  }
  return { total, emp, noisy, f, d, correct: nCorrect };
}
