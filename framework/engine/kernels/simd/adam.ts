import * as tf from '@tensorflow/tfjs';
import { simdKernels } from './pool.js';

/** One variable's Adam update: the weights, their gradient, the two moments. */
export interface AdamEntry {
  w: tf.Variable;
  g: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam on wasm by kernels.c's adam: one SIMD kernel per variable reads w, g, m, v and writes new
 * w, m, v into fresh tensors, which the variables then take (assign swaps storage: what anyone
 * else holds of the old values never changes). Where tfjs ops needed a concatenation, 12
 * elementwise passes and the slices back (RealDiv, Multiply, Sub, Sqrt ... ~0.7 s a ResNet-18
 * step), this is one pass. bc1, bc2 = 1 − β^t. Returns false where the SIMD kernels are not
 * available (other backends).
 */
export function simdAdam(entries: readonly AdamEntry[], o: { lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number; decoupled: boolean; bc1: number; bc2: number }): boolean {
  const k = simdKernels();
  if (!k || entries.some((e) => e.g.dtype !== 'float32')) return false;
  // The constants in double, as the tfjs-op form takes them (kernels.c's adam).
  const hyper = [o.lr / o.bc1, o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2, Math.sqrt(o.bc2), o.epsilon, o.decoupled ? 0 : o.weightDecay, o.decoupled ? o.lr * o.weightDecay : 0];
  // Written once for the group: outputs are allocated outside the scratch buffer, which nothing else takes meanwhile.
  const h = k.scratch(4 * hyper.length);
  k.floats(h, hyper.length).set(hyper);
  for (const { w, g, m, v } of entries) {
    const outputs = [k.output(w.shape), k.output(w.shape), k.output(w.shape)];
    k.run('adam', [k.address(w), k.address(g), k.address(m), k.address(v), ...outputs.map((o) => k.address(o)), w.size, h]);
    [w, m, v].forEach((target, i) => {
      const t = tf.engine().makeTensorFromTensorInfo(outputs[i]);
      target.assign(t);
      t.dispose();
    });
  }
  return true;
}
