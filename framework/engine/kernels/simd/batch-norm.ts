import * as tf from '@tensorflow/tfjs';
import { type SimdKernels, simdKernels } from './pool.js';

/**
 * Training-mode batch normalisation (and the ReLU after it) on wasm by kernels.c's bn_* kernels:
 * forward in three passes over x (sum, sum of squared deviations, the affine map with the ReLU),
 * backward in two (the two per-channel sums of the gradient, then dx), every pass SIMD and
 * threaded, nothing broadcast or materialised in between. The per-channel arithmetic between
 * passes (C numbers) is done here in double precision. Replaces ~13 tfjs passes (average pools,
 * depthwise convolutions, squares, products, sums) and the saved centred copy of x.
 */

const TRAIN = 'FerBatchNormTrainSimd';
const GRAD = 'FerBatchNormGradSimd';

interface Attrs {
  epsilon: number;
  relu: boolean;
}

/**
 * What both kernels start from: x's channel count and row count (N·H·W), and their outputs, a
 * map shaped like x and two per-channel vectors (y, mean, variance; dx, dγ, dβ).
 */
function layout(k: SimdKernels, x: tf.TensorInfo): { c: number; rows: number; outputs: [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] } {
  const c = x.shape[x.shape.length - 1];
  return { c, rows: tf.util.sizeFromShape(x.shape) / c, outputs: [k.output(x.shape), k.output([c]), k.output([c])] };
}

/** sums[j] = Σ_g partials[g·stride + offset + j] in group order. */
function addGroups(k: SimdKernels, partials: number, groups: number, stride: number, offset: number, c: number): Float64Array {
  const p = k.floats(partials, groups * stride);
  const sums = new Float64Array(c);
  for (let g = 0; g < groups; g++) for (let j = 0; j < c; j++) sums[j] += p[g * stride + offset + j];
  return sums;
}

function train({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const k = simdKernels()!;
  const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon, relu } = attrs as unknown as Attrs;
  const { c, rows, outputs } = layout(k, x);
  const [y, mean, variance] = outputs;
  const groups = k.exports.groups();
  const partials = k.scratch(4 * (groups * c + 2 * c)); // the group partials, then a and b
  const a = partials + 4 * groups * c;
  const b = a + 4 * c;
  k.run('bn_stats', [k.address(x), 0, rows, c, partials]);
  k.floats(k.address(mean), c).set(addGroups(k, partials, groups, c, 0, c).map((s) => s / rows));
  k.run('bn_stats', [k.address(x), k.address(mean), rows, c, partials]);
  k.floats(k.address(variance), c).set(addGroups(k, partials, groups, c, 0, c).map((s) => s / rows));
  const [mu, v, g, bt] = [mean, variance, gamma, beta].map((t) => k.floats(k.address(t), c));
  const av = k.floats(a, c);
  const bv = k.floats(b, c);
  for (let j = 0; j < c; j++) {
    av[j] = g[j] / Math.sqrt(v[j] + epsilon);
    bv[j] = bt[j] - mu[j] * av[j];
  }
  k.run('bn_apply', [k.address(x), a, b, k.address(y), rows, c, relu ? 1 : 0]);
  return outputs;
}

function grad({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const k = simdKernels()!;
  const { dy, x, y, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo>;
  const { epsilon, relu } = attrs as unknown as Attrs;
  const { c, rows, outputs } = layout(k, x);
  const [dx, dgamma, dbeta] = outputs;
  const groups = k.exports.groups();
  const partials = k.scratch(4 * (groups * 2 * c + 3 * c)); // the group partials, then p, q, r
  const pqr = partials + 4 * groups * 2 * c;
  k.run('bn_grad_stats', [k.address(dy), k.address(y), k.address(x), k.address(mean), rows, c, relu ? 1 : 0, partials]);
  const sumDy = addGroups(k, partials, groups, 2 * c, 0, c);
  const sumDyC = addGroups(k, partials, groups, 2 * c, c, c); // Σ dy'·(x − μ)
  const [g, v, dg, db] = [gamma, variance, dgamma, dbeta].map((t) => k.floats(k.address(t), c));
  const coef = k.floats(pqr, 3 * c);
  // dx = γ·rstd·(dy' − mean(dy') − x̂·mean(dy'·x̂)) with x̂ = (x − μ)·rstd: p·dy' + q·(x − μ) + r.
  for (let j = 0; j < c; j++) {
    const rstd = 1 / Math.sqrt(v[j] + epsilon);
    const scale = g[j] * rstd;
    coef[j] = scale;
    coef[c + j] = (-scale * rstd * rstd * sumDyC[j]) / rows;
    coef[2 * c + j] = (-scale * sumDy[j]) / rows;
    dg[j] = rstd * sumDyC[j];
    db[j] = sumDy[j];
  }
  k.run('bn_grad_apply', [k.address(dy), k.address(y), k.address(x), k.address(mean), pqr, k.address(dx), rows, c, relu ? 1 : 0]);
  return outputs;
}

let registered = false;

function register(): void {
  registered = true;
  tf.registerKernel({ kernelName: TRAIN, backendName: 'wasm', kernelFunc: train as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: GRAD, backendName: 'wasm', kernelFunc: grad as unknown as tf.KernelFunc });
  tf.registerGradient({
    kernelName: TRAIN,
    inputsToSave: ['x', 'gamma'],
    // y for the ReLU's mask, the batch statistics for x̂.
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, gamma, y, mean, variance] = saved;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(GRAD, { dy: (dys as tf.Tensor[])[0], x, y, gamma, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

/** [y, mean, variance] (biased variance) of training-mode batch norm over N·H·W, or null where the SIMD kernels are not available. */
export function simdBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] | null {
  if (!simdKernels()) return null;
  if (!registered) register();
  const attrs: Attrs = { epsilon, relu };
  return tf.engine().runKernel(TRAIN, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
}
