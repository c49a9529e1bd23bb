import * as tf from '@tensorflow/tfjs';

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
 * rate is set per step (the cosine schedule). Updates exactly the variables it is given: the engine
 * passes one role group at a time. Each group's variables are updated as one flat vector (one
 * concat, ~15 element-wise ops, one split), not op by op per variable: on wasm and cpu the
 * per-op dispatch of a per-variable update costs more than the arithmetic.
 */
export class Adam {
  /** Flat first and second moments per group ("fr", "d"). */
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Step count per group (D and F/R steps count separately). */
  private steps = new Map<string, number>();

  constructor(private readonly cfg: AdamConfig) {}

  apply(group: string, vars: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number): void {
    const t = (this.steps.get(group) ?? 0) + 1;
    this.steps.set(group, t);
    const { beta1, beta2, epsilon, weightDecay, decoupled } = this.cfg;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const list = [...vars];
    for (const [name] of list) if (!grads[name]) throw new Error(`Adam: no gradient for ${name}`);
    const sizes = list.map(([, w]) => w.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (!this.m.has(group)) {
      this.m.set(group, tf.variable(tf.zeros([total]), false));
      this.v.set(group, tf.variable(tf.zeros([total]), false));
    }
    const m = this.m.get(group)!;
    const v = this.v.get(group)!;
    if (m.size !== total) throw new Error(`Adam: group "${group}" changed size (${m.size} → ${total})`);
    tf.tidy(() => {
      const w = tf.concat(list.map(([, x]) => tf.reshape(x, [-1])));
      const g0 = tf.concat(list.map(([name]) => tf.reshape(grads[name], [-1])));
      const g = weightDecay > 0 && !decoupled ? tf.add(g0, tf.mul(w, weightDecay)) : g0;
      m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
      v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon);
      let next = tf.sub(w, tf.mul(tf.div(m, denom), lr / bc1));
      if (weightDecay > 0 && decoupled) next = tf.sub(next, tf.mul(w, lr * weightDecay));
      tf.split(next, sizes).forEach((part, i) => list[i][1].assign(tf.reshape(part, list[i][1].shape)));
    });
  }

  /** Named state for checkpoints. */
  state(): { tensors: Map<string, tf.Variable>; steps: Record<string, number> } {
    const tensors = new Map<string, tf.Variable>();
    for (const [k, x] of this.m) tensors.set(`adam/${k}/m`, x);
    for (const [k, x] of this.v) tensors.set(`adam/${k}/v`, x);
    return { tensors, steps: Object.fromEntries(this.steps) };
  }

  restore(tensors: Map<string, Float32Array>, shapes: Map<string, number[]>, steps: Record<string, number>): void {
    this.dispose();
    for (const [key, data] of tensors) {
      const match = /^adam\/(.*)\/(m|v)$/.exec(key);
      if (!match) continue;
      (match[2] === 'm' ? this.m : this.v).set(match[1], tf.variable(tf.tensor(data, shapes.get(key)!), false));
    }
    this.steps = new Map(Object.entries(steps));
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Cosine learning rate with periodic restarts: lr_max → lr_min over `period` epochs, then again. */
export function cosineRestartsLr(epochFloat: number, lrMax: number, lrMin: number, period: number): number {
  const phase = (epochFloat % period) / period;
  return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos(Math.PI * phase));
}
