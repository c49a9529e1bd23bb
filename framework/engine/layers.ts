import * as tf from '@tensorflow/tfjs';
import { batchNormInfer, batchNormTrain } from './kernels/batch-norm.js';
import { biasAdd } from './kernels/bias-add.js';
import { conv2d, type Padding } from './kernels/conv2d.js';
import { activeNative } from './native/active.js';
import { updateInPlace } from './native/in-place.js';
import type { ForwardState, ParamSet } from './modules.js';
import { Rng } from './rng.js';
import { variableFrom } from './variable.js';

/**
 * Builds a part's variables with the framework's own seeded initialisers (tfjs-layers drops seeds
 * for uniform initialisers). Each variable's initial values come from an Rng derived from the part's
 * seed and the variable's name, so adding a layer does not change the others' initial weights.
 */
export class ParamBuilder {
  readonly params: ParamSet = { trainable: new Map(), state: new Map() };

  constructor(
    private readonly prefix: string,
    private readonly seed: number,
  ) {}

  private add(name: string, values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
    const full = `${this.prefix}/${name}`;
    const table = trainable ? this.params.trainable : this.params.state;
    if (this.params.trainable.has(full) || this.params.state.has(full)) throw new Error(`duplicate variable name ${full}`);
    const v = variableFrom(tf.tensor(values, shape), trainable);
    table.set(full, v);
    return v;
  }

  /** He-normal (fan-in) values, the standard for ReLU networks. */
  private heNormal(name: string, count: number, fanIn: number): Float32Array {
    const rng = Rng.derive(this.seed, name);
    const std = Math.sqrt(2 / fanIn);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = rng.normal() * std;
    return out;
  }

  /** Glorot-uniform values, for dense layers. */
  private glorotUniform(name: string, count: number, fanIn: number, fanOut: number): Float32Array {
    const rng = Rng.derive(this.seed, name);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = rng.uniform(-limit, limit);
    return out;
  }

  conv(name: string, k: number, cin: number, cout: number, stride = 1, padding: Padding = 'same', bias = false) {
    const w = this.add(`${name}/kernel`, this.heNormal(name, k * k * cin * cout, k * k * cin), [k, k, cin, cout], true) as unknown as tf.Tensor4D;
    const b = bias ? (this.add(`${name}/bias`, new Float32Array(cout), [cout], true) as unknown as tf.Tensor1D) : null;
    // Tidied: the unbiased output is freed at once, not when the forward pass ends.
    return (x: tf.Tensor4D): tf.Tensor4D => (b ? tf.tidy(() => biasAdd(conv2d(x, w, stride, padding), b)) : conv2d(x, w, stride, padding));
  }

  /**
   * A depthwise-separable convolution with a bias: a k×k depthwise filter per input channel, then
   * a 1×1 pointwise one. It runs as one k×k convolution whose kernel is their product
   * (W[i, j, c, o] = depthwise[i, j, c] · pointwise[c, o]), the same linear map, so training goes
   * through the backend's convolution kernels on every backend (tfjs's wasm backend has no
   * depthwise-convolution gradients) and the two factors get their gradients through the product.
   */
  separableConv(name: string, k: number, cin: number, cout: number, stride = 1) {
    const dw = this.add(`${name}/depthwise_kernel`, this.heNormal(`${name}/depthwise`, k * k * cin, k * k), [k, k, cin, 1], true) as unknown as tf.Tensor4D;
    const pw = this.add(`${name}/pointwise_kernel`, this.heNormal(`${name}/pointwise`, cin * cout, cin), [1, 1, cin, cout], true) as unknown as tf.Tensor4D;
    const b = this.add(`${name}/bias`, new Float32Array(cout), [cout], true) as unknown as tf.Tensor1D;
    return (x: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => biasAdd(conv2d(x, tf.mul(dw, pw) as tf.Tensor4D, stride, 'same'), b));
  }

  /** A per-channel affine map x·weights + biases (a "scale layer", as dlib's nets have instead of batch norm). */
  scale(name: string, channels: number) {
    const w = this.add(`${name}/weights`, new Float32Array(channels).fill(1), [channels], true) as unknown as tf.Tensor1D;
    const b = this.add(`${name}/biases`, new Float32Array(channels), [channels], true) as unknown as tf.Tensor1D;
    return (x: tf.Tensor4D): tf.Tensor4D => tf.add(tf.mul(x, w), b) as tf.Tensor4D;
  }

  batchNorm(name: string, channels: number, momentum = 0.9, gammaInit = 1) {
    const gamma = this.add(`${name}/gamma`, new Float32Array(channels).fill(gammaInit), [channels], true) as unknown as tf.Tensor1D;
    const beta = this.add(`${name}/beta`, new Float32Array(channels), [channels], true) as unknown as tf.Tensor1D;
    const mean = this.add(`${name}/moving_mean`, new Float32Array(channels), [channels], false);
    const variance = this.add(`${name}/moving_variance`, new Float32Array(channels).fill(1), [channels], false);
    // withRelu: the ReLU that follows, fused into batch norm (one oneDNN kernel on native, the last pass on wasm and cpu).
    return (x: tf.Tensor4D, s: ForwardState, withRelu = false): tf.Tensor4D =>
      s.training
        ? batchNormTrain(
            x,
            gamma,
            beta,
            (st) => s.updates.push({ mean, variance, batchMean: st.mean, batchVariance: st.variance, momentum }),
            withRelu,
          )
        : batchNormInfer(x, gamma, beta, mean as unknown as tf.Tensor1D, variance as unknown as tf.Tensor1D, withRelu);
  }

  dense(name: string, fanIn: number, fanOut: number) {
    const w = this.add(`${name}/kernel`, this.glorotUniform(name, fanIn * fanOut, fanIn, fanOut), [fanIn, fanOut], true) as unknown as tf.Tensor2D;
    const b = this.add(`${name}/bias`, new Float32Array(fanOut), [fanOut], true) as unknown as tf.Tensor1D;
    return (x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => biasAdd(tf.matMul(x, w), b));
  }
}

/** Folds batch statistics into moving averages, and frees the batch tensors. */
export function applyMovingStats(s: ForwardState): void {
  const native = activeNative();
  for (const u of s.updates) {
    if (native) {
      const [bm, bv] = [native.values(u.batchMean), native.values(u.batchVariance)];
      updateInPlace(native, [u.mean, u.variance], ([m, v], [mo, vo]) => {
        native.addon.axpby(m, bm, mo, u.momentum, 1 - u.momentum);
        native.addon.axpby(v, bv, vo, u.momentum, 1 - u.momentum);
      });
    } else {
      tf.tidy(() => {
        u.mean.assign(tf.add(tf.mul(u.mean, u.momentum), tf.mul(u.batchMean, 1 - u.momentum)));
        u.variance.assign(tf.add(tf.mul(u.variance, u.momentum), tf.mul(u.batchVariance, 1 - u.momentum)));
      });
    }
    u.batchMean.dispose();
    u.batchVariance.dispose();
  }
  s.updates.length = 0;
}

/** Disposes every variable of a parameter set. */
export function disposeParams(p: ParamSet): void {
  for (const v of [...p.trainable.values(), ...p.state.values()]) v.dispose();
}

export function mergeParams(...sets: ParamSet[]): ParamSet {
  const out: ParamSet = { trainable: new Map(), state: new Map() };
  for (const s of sets) {
    for (const [k, v] of s.trainable) out.trainable.set(k, v);
    for (const [k, v] of s.state) out.state.set(k, v);
  }
  return out;
}
