import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../framework/engine/rng.js';

/** Largest absolute difference relative to the reference's largest magnitude. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (scale || 1));
  return worst;
}

/** Standard-normal values of a shape from a seeded Rng. */
export function randnValues(shape: number[], r: Rng): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = r.normal();
  return out;
}

/** Runs `f` on fresh copies of `inputs` and returns every output's values (tensors disposed). */
export function evaluate(f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: { values: Float32Array; shape: number[] }[]): Float32Array[] {
  return tf.tidy(() => {
    const out = f(...inputs.map((i) => tf.tensor(i.values.slice(), i.shape)));
    return (Array.isArray(out) ? out : [out]).map((t) => (t.dataSync() as Float32Array).slice());
  });
}

/** Convolution cases both kernel suites test: n, h, w, ci, co, k, stride, padding (strides 1/2/3, same/valid, odd sizes, batch 1). */
export const CONV_CASES: [number, number, number, number, number, number, number, 'same' | 'valid'][] = [
  [1, 7, 9, 3, 4, 3, 1, 'same'],
  [2, 8, 8, 2, 3, 3, 2, 'same'],
  [2, 9, 7, 3, 2, 3, 2, 'valid'],
  [3, 8, 8, 4, 5, 1, 2, 'same'],
  [1, 11, 11, 2, 2, 5, 2, 'same'],
  [2, 6, 6, 2, 2, 1, 1, 'valid'],
  [1, 10, 13, 3, 2, 7, 2, 'same'],
  [1, 5, 5, 3, 3, 3, 1, 'valid'],
  [1, 10, 11, 2, 3, 4, 3, 'same'],
  // Wider channels for the wasm SIMD filter gradient's register tiles: input channels in blocks
  // of 4 with every remainder, output channels in vectors of 8 and 4 plus a scalar rest, and
  // batches that split unevenly into its 4 image groups.
  [5, 9, 9, 5, 13, 3, 1, 'same'],
  [6, 8, 8, 8, 16, 3, 2, 'same'],
  [3, 7, 6, 6, 12, 3, 2, 'valid'],
  [4, 4, 4, 7, 8, 1, 1, 'same'],
];

/**
 * Max-pooling cases [x shape, k, stride, padding, after a ReLU]: ResNet's stem pool (3×3 s2 same),
 * odd sizes, valid padding, batch 1, channel counts off the 4-wide vectors; after a ReLU many
 * window values tie at zero, and the first maximum in scan order must take the gradient (tfjs's rule).
 */
export const POOL_CASES: [number[], number, number, 'same' | 'valid', boolean][] = [
  [[2, 12, 12, 16], 3, 2, 'same', true],
  [[1, 9, 7, 5], 3, 2, 'same', false],
  [[3, 8, 8, 3], 2, 2, 'valid', true],
  [[5, 11, 13, 6], 3, 1, 'same', true],
  [[1, 10, 10, 7], 3, 3, 'valid', false],
];
