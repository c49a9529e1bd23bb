import type * as tf from '@tensorflow/tfjs';

/** A batch's statistics to fold into a batch-norm layer's moving averages after the step. */
export interface MovingStatUpdate {
  mean: tf.Variable;
  variance: tf.Variable;
  batchMean: tf.Tensor1D;
  batchVariance: tf.Tensor1D;
  momentum: number;
}

/** Per-forward state: training mode, and where batch-norm layers leave their batch statistics. */
export interface ForwardState {
  training: boolean;
  updates: MovingStatUpdate[];
}

/** Named variables of one part of the model. Names are stable paths, used by checkpoints and weight files. */
export interface ParamSet {
  /** Trained by the optimiser. */
  trainable: Map<string, tf.Variable>;
  /** Kept but not trained (batch-norm moving statistics). */
  state: Map<string, tf.Variable>;
}

/** Backbone: Res_low (stem + stage 1) and Res_up (stages 2–4 + global pooling), eq. 1. */
export interface Backbone {
  params: ParamSet;
  low(x: tf.Tensor4D, s: ForwardState): tf.Tensor4D;
  up(h: tf.Tensor4D, s: ForwardState): tf.Tensor2D;
  /** [height, width, channels] of Res_low's output for an imageSize input. */
  lowShape: [number, number, number];
  featureDim: number;
}

/** φ: occlusion-mask logits [N, h, w, 1] at Res_low's resolution. */
export interface Attention {
  params: ParamSet;
  logits(low: tf.Tensor4D, s: ForwardState): tf.Tensor4D;
}

/** D^F: occlusion logits [N, 2] from F(x). */
export interface Discriminator {
  params: ParamSet;
  logits(features: tf.Tensor2D, s: ForwardState): tf.Tensor2D;
}

/** What an attention plugin returns: φ is built once the backbone's Res_low shape is known. */
export interface AttentionBuilder {
  build(lowShape: [number, number, number]): Attention;
}

/** What a discriminator plugin returns: D is built once the feature width is known. */
export interface DiscriminatorBuilder {
  build(featureDim: number): Discriminator;
}
