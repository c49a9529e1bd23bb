import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';
import { relu } from './activation.js';
import { kernelMode } from './mode.js';

/**
 * Training-mode batch normalisation over N·H·W per channel, with a hand-written gradient.
 * Autodiff of tf.moments materialises broadcast tiles and reduces over three axes, which wasm
 * does by transposing first. Here every per-channel mean is a global average pool (one pass,
 * XNNPACK's pooling on wasm) and a mean over the small [N, C] result. (A [1, M] × [M, C] matmul
 * was the earlier choice: XNNPACK repacks its right-hand side as weights on every call, 3.5 ms
 * for a 2 MiB activation, a quarter of a wasm training step.)
 */
const EPS = 1e-5;

function channelMeans(x: tf.Tensor4D): tf.Tensor1D {
  const [n, h, w, c] = x.shape;
  return tf.mean(tf.reshape(tf.avgPool(x, [h, w], [h, w], 'valid'), [n, c]), 0) as tf.Tensor1D;
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
  const [n, h, w] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4d = xi as tf.Tensor4D;
    const mean = channelMeans(x4d);
    const centered = tf.sub(x4d, mean) as tf.Tensor4D;
    const variance = channelMeans(tf.square(centered));
    const rstd = tf.rsqrt(tf.add(variance, EPS)) as tf.Tensor1D;
    const xhat = tf.mul(centered, rstd) as tf.Tensor4D;
    onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const dy4d = dy as tf.Tensor4D;
        const meanDy = channelMeans(dy4d);
        const meanDyXhat = channelMeans(tf.mul(dy4d, sxhat));
        // dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)); dγ = Σ dy·x̂; dβ = Σ dy.
        const dx = tf.mul(tf.sub(tf.sub(dy4d, meanDy), tf.mul(sxhat, meanDyXhat)), tf.mul(sg, srstd));
        return [dx, tf.mul(meanDyXhat, m), tf.mul(meanDy, m)];
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
