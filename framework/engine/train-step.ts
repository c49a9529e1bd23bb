import * as tf from '@tensorflow/tfjs';
import { RunError } from '../errors.js';
import type { Adam } from './adam.js';
import { variableGrads } from './gradients.js';
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

/** What the F/R-step hands to the D-step: the batch's features, detached (the caller disposes them). */
export interface FrOutcome {
  features: tf.Tensor2D;
  total: tf.Scalar;
  terms: [tf.Scalar, tf.Scalar, tf.Scalar];
  correct: tf.Scalar;
}

/** The terms of the F/R objective on one batch, as tensors. */
export interface FrObjective {
  total: tf.Scalar;
  emp: tf.Scalar;
  noisy: tf.Scalar;
  f: tf.Scalar;
  features: tf.Tensor2D;
  logits: tf.Tensor2D;
}

/** L = L_emp + λ1·L_noisy + λ2·L_F (eq. 8) on a batch; the terms a variant lacks are 0. */
export function frObjective(model: FerModel, batch: BatchTensors, cfg: StepConfig, s: ForwardState): FrObjective {
  const out = model.forward(FerModel.normalize(batch.images), s);
  const emp = lossEmp(out.logits, batch.labels);
  let total = emp;
  let noisy = tf.scalar(0);
  let f = tf.scalar(0);
  if (model.attention && out.maskLogits) {
    noisy = lossNoisy(out.maskLogits, batch.masks);
    total = tf.add(total, tf.mul(noisy, cfg.lambda1));
  }
  if (model.discriminator) {
    f = lossF(model.discriminator.logits(out.features, s), cfg.prior);
    total = tf.add(total, tf.mul(f, cfg.lambda2));
  }
  return { total, emp, noisy, f, features: out.features, logits: out.logits };
}

/**
 * F/R-step: minimise L = L_emp + λ1·L_noisy + λ2·L_F (eq. 8) over the extractor, attention and
 * classifier variables only; D is fixed because its variables are not in the list.
 */
export function frStep(model: FerModel, opt: Adam, batch: BatchTensors, lr: number, cfg: StepConfig): FrOutcome {
  const s: ForwardState = { training: true, updates: [] };
  const fr = mergeParams(model.params('extractor'), model.params('attention'), model.params('classifier')).trainable;
  const list = byVariableName(fr);
  let features: tf.Tensor2D | null = null;
  let terms: [tf.Scalar, tf.Scalar, tf.Scalar] | null = null;
  let correct: tf.Scalar | null = null;
  const { value, grads } = variableGrads(() => {
    const o = frObjective(model, batch, cfg, s);
    features = tf.keep(o.features);
    correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(o.logits, 1), tf.cast(batch.labels, 'int32')), 'float32')) as tf.Scalar);
    terms = [tf.keep(o.emp), tf.keep(o.noisy), tf.keep(o.f)];
    return o.total;
  }, list.list);
  opt.apply('fr', fr, rename(grads, list.back), lr);
  tf.dispose(grads);
  applyMovingStats(s);
  return { features: features!, total: value, terms: terms!, correct: correct! };
}

/**
 * D-step: minimise L_D (eq. 6) over the discriminator's variables only, on features computed by
 * the fixed extractor (detached: no gradient can reach F). Returns L_D.
 */
export function dStep(model: FerModel, opt: Adam, features: tf.Tensor2D, occluded: tf.Tensor1D, lr: number): tf.Scalar {
  const s: ForwardState = { training: true, updates: [] };
  const dVars = model.params('discriminator').trainable;
  const list = byVariableName(dVars);
  const { value, grads } = variableGrads(() => lossD(model.discriminator!.logits(features, s), occluded), list.list);
  opt.apply('d', dVars, rename(grads, list.back), lr);
  tf.dispose(grads);
  applyMovingStats(s);
  return value;
}

/**
 * One training step with the paper's alternation: the F/R-step, then the D-step on the features
 * of the same batch that the F/R-step computed (they come from the extractor before its update;
 * reusing them saves a second extractor forward pass). Variable lists are always explicit:
 * tfjs would otherwise update every trainable variable, D included.
 */
export function trainStep(model: FerModel, opt: Adam, batch: BatchTensors, lr: number, cfg: StepConfig): StepLosses {
  const fr = frStep(model, opt, batch, lr, cfg);
  const ld = model.discriminator ? dStep(model, opt, fr.features, batch.occluded, lr) : tf.scalar(0);
  const values = tf.tidy(() => tf.stack([fr.total, ...fr.terms, ld, fr.correct]).dataSync());
  tf.dispose([fr.total, ...fr.terms, ld, fr.correct, fr.features]);
  const [total, emp, noisy, f, d, correct] = Array.from(values);
  if (!Number.isFinite(total) || !Number.isFinite(d)) {
    throw new RunError(
      `training diverged: the loss became ${Number.isFinite(total) ? d : total} (L_emp ${emp}, L_noisy ${noisy}, L_F ${f}, L_D ${d}). ` +
        'The last good checkpoint is kept; lower optimizer.lr or check the data, then run again.',
    );
  }
  return { total, emp, noisy, f, d, correct };
}
