import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';
import { relu } from './activation.js';
import { kernelMode } from './mode.js';

/**
 * Training-mode batch normalisation over N·H·W per channel, with a hand-written gradient.
 * Autodiff of tf.moments materialises broadcast tiles and reduces over three axes, which wasm
 * does by transposing first; here every per-channel sum is one [1, M] × [M, C] matmul, the
 * fastest reduction every backend has.
 */
const EPS = 1e-5;

function channelSums(x2d: tf.Tensor2D, ones: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(ones, x2d), [x2d.shape[1]]) as tf.Tensor1D;
}

export interface BatchStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Returns the normalised output, followed by a ReLU when `withRelu` (one fused kernel on the
 * native backend); `onStats` receives the batch mean and (biased) variance, kept out of the
 * surrounding tidy scope, for the moving averages. The caller disposes them.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void, withRelu = false): tf.Tensor4D {
  const stock = kernelMode() === 'stock';
  if (!stock && nativeFor(x, gamma, beta)) return batchNormNative(x, gamma, beta, onStats, withRelu);
  const y = stock ? batchNormStock(x, gamma, beta, onStats) : batchNormFerRun(x, gamma, beta, onStats);
  if (!withRelu) return y;
  return stock ? tf.relu(y) : relu(y);
}

function batchNormFerRun(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2d = tf.reshape(xi, [m, c]) as tf.Tensor2D;
    const ones = tf.ones([1, m]) as tf.Tensor2D;
    const mean = tf.div(channelSums(x2d, ones), m) as tf.Tensor1D;
    const centered = tf.sub(x2d, mean) as tf.Tensor2D;
    const variance = tf.div(channelSums(tf.square(centered) as tf.Tensor2D, ones), m) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, EPS)) as tf.Tensor1D;
    const xhat = tf.mul(centered, rstd) as tf.Tensor2D;
    onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
    save([xhat, rstd, g, ones]);
    const y = tf.reshape(tf.add(tf.mul(xhat, g), b), [n, h, w, c]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, sones] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D];
        const dy2d = tf.reshape(dy, [m, c]) as tf.Tensor2D;
        const sumDy = channelSums(dy2d, sones);
        const sumDyXhat = channelSums(tf.mul(dy2d, sxhat) as tf.Tensor2D, sones);
        const scale = tf.div(tf.mul(sg, srstd), m);
        const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy2d, m), sumDy), tf.mul(sxhat, sumDyXhat)), scale);
        return [tf.reshape(dx, [n, h, w, c]), sumDyXhat, sumDy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor4D;
}

/**
 * The same as one oneDNN kernel each way (FerBatchNormTrain/FerBatchNormGrad); with a fused ReLU
 * the kernel also returns its workspace (which outputs were clipped), kept by the tape for the gradient.
 */
function batchNormNative(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void, withRelu: boolean): tf.Tensor4D {
  const [y, mean, variance, workspace] = tf.engine().runKernel('FerBatchNormTrain', { x, gamma, beta }, { epsilon: EPS, relu: withRelu }) as tf.Tensor[];
  onStats({ mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D });
  workspace?.dispose();
  return y as tf.Tensor4D;
}

/** The same with tfjs's stock ops (tf.moments + tf.batchNorm, autodiff gradients), for the benchmark's baseline. */
function batchNormStock(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  onStats({ mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D });
  return tf.batchNorm(x, mean, variance, beta, gamma, EPS) as tf.Tensor4D;
}

/** Inference-mode batch normalisation with moving statistics (and the ReLU after it, when `withRelu`). */
export function batchNormInfer(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, withRelu = false): tf.Tensor4D {
  if (nativeFor(x, gamma, beta, mean, variance)) return tf.engine().runKernel('FerBatchNormInfer', { x, gamma, beta, mean, variance }, { epsilon: EPS, relu: withRelu }) as tf.Tensor4D;
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, EPS)));
    const y = tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
    return withRelu ? relu(y) : y;
  });
}
