import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';
import { kernelMode } from './mode.js';
import { simdBatchNorm } from './simd/batch-norm.js';

/**
 * Training-mode batch normalisation over N·H·W per channel: one oneDNN kernel each way on the
 * native backend, fer-run's SIMD kernels on wasm (simd/batch-norm.ts), and elsewhere (cpu) a
 * hand-written gradient in the few whole-map passes that tfjs runs fast (measured on wasm
 * before the SIMD kernels, on a 32×32×32×16 map, 2 MiB):
 *  - per-channel means by one average pool over the whole batch (0.2 ms). A [1, M] × [M, C]
 *    matmul was slower: XNNPACK repacks its right operand as weights each call (3.5 ms);
 *    tf.sum over axis 0 transposes first.
 *  - per-channel affine maps a·x + b (and the ReLU after them) as one 1×1 depthwise convolution
 *    with bias (0.2 ms). Broadcasting a [C] vector in tf.mul / tf.add takes 0.8–1 ms a pass
 *    (XNNPACK's broadcast loops over 16-float rows), tf.batchNorm 3 ms.
 * Autodiff of tf.moments + tf.batchNorm needs several times the passes, most of them broadcasts.
 */
const EPS = 1e-5;

function channelMeans(x: tf.Tensor4D): tf.Tensor1D {
  const [n, h, w, c] = x.shape;
  // The batch stacked into one tall image: a single pooling window covers all N·H·W pixels.
  return tf.reshape(tf.avgPool(tf.reshape(x, [1, n * h, w, c]) as tf.Tensor4D, [n * h, w], [n * h, w], 'valid'), [c]) as tf.Tensor1D;
}

/** a[c]·x (+ b[c]) over the channel axis, then max(·, 0) when `withRelu`: one pass. */
function channelAffine(x: tf.Tensor4D, a: tf.Tensor, b?: tf.Tensor, withRelu = false): tf.Tensor4D {
  const filter = tf.reshape(a, [1, 1, a.shape[0], 1]) as tf.Tensor4D;
  return tf.fused.depthwiseConv2d({ x, filter, strides: 1, pad: 'valid', bias: b, activation: withRelu ? 'relu' : 'linear' });
}

export interface BatchStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Returns the normalised output, followed by a ReLU when `withRelu` (fused into the last pass);
 * `onStats` receives the batch mean and (biased) variance, kept out of the surrounding tidy
 * scope, for the moving averages. The caller disposes them.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void, withRelu = false): tf.Tensor4D {
  if (kernelMode() === 'stock') {
    const y = batchNormStock(x, gamma, beta, onStats);
    return withRelu ? tf.relu(y) : y;
  }
  if (nativeFor(x, gamma, beta)) return batchNormNative(x, gamma, beta, onStats, withRelu);
  const simd = simdBatchNorm(x, gamma, beta, EPS, withRelu);
  if (simd) {
    const [y, mean, variance] = simd;
    onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
    return y;
  }
  return batchNormFerRun(x, gamma, beta, onStats, withRelu);
}

function batchNormFerRun(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: (s: BatchStats) => void, withRelu: boolean): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = channelMeans(xi as tf.Tensor4D);
    const centered = channelAffine(xi as tf.Tensor4D, tf.onesLike(mean), tf.neg(mean));
    const variance = channelMeans(tf.square(centered));
    const rstd = tf.rsqrt(tf.add(variance, EPS)) as tf.Tensor1D;
    onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
    const y = channelAffine(centered, tf.mul(g, rstd), b as tf.Tensor1D, withRelu);
    save(withRelu ? [centered, rstd, g, y] : [centered, rstd, g]);
    return {
      value: y,
      gradFunc: (dyIn: tf.Tensor, saved: tf.Tensor[]) => {
        const [sc, srstd, sg, sy] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D?];
        const dy = (sy ? tf.mul(dyIn, tf.step(sy)) : dyIn) as tf.Tensor4D;
        // With x̂ = (x − μ)·rstd: dβ = Σ dy, dγ = Σ dy·x̂ = rstd·Σ dy·(x − μ), and
        // dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) = s·dy − s·mean(dy) − s·rstd²·mean(dy·(x − μ))·(x − μ).
        const meanDy = channelMeans(dy);
        const meanDyC = channelMeans(tf.mul(dy, sc));
        const scale = tf.mul(sg, srstd) as tf.Tensor1D;
        const dx = tf.add(
          channelAffine(dy, scale, tf.neg(tf.mul(scale, meanDy))),
          channelAffine(sc, tf.neg(tf.mul(tf.mul(scale, tf.square(srstd)), meanDyC))),
        );
        return [dx, tf.mul(tf.mul(srstd, meanDyC), m), tf.mul(meanDy, m)];
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
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, EPS))) as tf.Tensor1D;
    return channelAffine(x, scale, tf.sub(beta, tf.mul(mean, scale)), withRelu);
  });
}
