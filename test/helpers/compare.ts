import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../framework/engine/rng.js';

/** Largest absolute difference relative to the reference's largest magnitude. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (scale || 1));
  if (a.length !== b.length) return Infinity;
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
