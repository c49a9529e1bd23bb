import * as tf from '@tensorflow/tfjs';
import { simdAdam } from './kernels/simd/adam.js';
import { activeNative } from './native/active.js';
import { updateInPlace } from './native/in-place.js';
import { variableFrom } from './variable.js';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** false: L2 added to the gradient (PyTorch Adam's weight_decay, the paper's); true: decoupled (AdamW). */
  decoupled: boolean;
}

/**
 * Adam with weight decay, written out so that its state is named (checkpoints) and its learning
 * rate is set per step (the cosine schedule). Updates exactly the variables whose gradients it
 * is given: the engine passes one role group at a time. On the native backend each variable is
 * one fused in-place kernel, on wasm one fused SIMD kernel (kernels/simd/adam.ts); elsewhere (cpu)
 * the group is updated as one flat vector (concatenated, 12 ops, sliced back), since op dispatch
 * dominates on small tensors.
 */
export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Step count per variable group key (D and F/R steps count separately). */
  private steps = new Map<string, number>();

  constructor(private readonly cfg: AdamConfig) {}

  apply(group: string, vars: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number): void {
    const t = (this.steps.get(group) ?? 0) + 1;
    this.steps.set(group, t);
    const { beta1, beta2, epsilon, weightDecay, decoupled } = this.cfg;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const native = activeNative();
    const entries: { w: tf.Variable; g: tf.Tensor; m: tf.Variable; v: tf.Variable }[] = [];
    for (const [name, w] of vars) {
      const g = grads[name];
      if (!g) continue;
      if (!this.m.has(name)) {
        this.m.set(name, variableFrom(tf.zerosLike(w), false));
        this.v.set(name, variableFrom(tf.zerosLike(w), false));
      }
      entries.push({ w, g, m: this.m.get(name)!, v: this.v.get(name)! });
    }
    const hyper = [lr, beta1, beta2, epsilon, weightDecay, decoupled ? 1 : 0, bc1, bc2];
    if (native) {
      for (const { w, g, m, v } of entries) {
        const gv = native.values(g);
        updateInPlace(native, [w, m, v], ([wi, mi, vi], [wo, mo, vo]) => native.addon.adam(wi, gv, mi, vi, wo, mo, vo, hyper));
      }
      return;
    }
    if (entries.length === 0 || simdAdam(entries, { lr, beta1, beta2, epsilon, weightDecay, decoupled, bc1, bc2 })) return;
    tf.tidy(() => {
      const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
      const w = flat(entries.map((e) => e.w));
      const g0 = flat(entries.map((e) => e.g));
      const g = weightDecay > 0 && !decoupled ? tf.add(g0, tf.mul(w, weightDecay)) : g0;
      const m = tf.add(tf.mul(flat(entries.map((e) => e.m)), beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(flat(entries.map((e) => e.v)), beta2), tf.mul(tf.square(g), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon);
      let next = tf.sub(w, tf.mul(tf.div(m, denom), lr / bc1));
      if (weightDecay > 0 && decoupled) next = tf.sub(next, tf.mul(w, lr * weightDecay));
      let offset = 0;
      for (const e of entries) {
        const part = (t: tf.Tensor) => tf.reshape(tf.slice(t, [offset], [e.w.size]), e.w.shape);
        e.w.assign(part(next));
        e.m.assign(part(m));
        e.v.assign(part(v));
        offset += e.w.size;
      }
    });
  }

  /** Named state for checkpoints. */
  state(): { tensors: Map<string, tf.Variable>; steps: Record<string, number> } {
    const tensors = new Map<string, tf.Variable>();
    for (const [k, v] of this.m) tensors.set(`adam/m/${k}`, v);
    for (const [k, v] of this.v) tensors.set(`adam/v/${k}`, v);
    return { tensors, steps: Object.fromEntries(this.steps) };
  }

  restore(tensors: Map<string, Float32Array>, shapes: Map<string, number[]>, steps: Record<string, number>): void {
    this.dispose();
    for (const [key, data] of tensors) {
      const m = /^adam\/(m|v)\/(.*)$/.exec(key);
      if (!m) continue;
      (m[1] === 'm' ? this.m : this.v).set(m[2], variableFrom(tf.tensor(data, shapes.get(key)!), false));
    }
    this.steps = new Map(Object.entries(steps));
  }

  dispose(): void {
    for (const v of [...this.m.values(), ...this.v.values()]) v.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Cosine learning rate with periodic restarts: lr_max → lr_min over `period` epochs, then again. */
export function cosineRestartsLr(epochFloat: number, lrMax: number, lrMin: number, period: number): number {
  const phase = (epochFloat % period) / period;
  return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos(Math.PI * phase));
}
