import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../framework/engine/adam.js';
import { addRelu, relu } from '../../framework/engine/kernels/activation.js';
import { batchNormInfer, batchNormTrain } from '../../framework/engine/kernels/batch-norm.js';
import { setKernelMode } from '../../framework/engine/kernels/mode.js';
import { occlusionGate } from '../../framework/engine/kernels/attention-gate.js';
import { globalAvgPool } from '../../framework/engine/kernels/pooling.js';
import { lossNoisy } from '../../framework/engine/losses.js';
import type { DnnlAddon } from '../../framework/engine/native/addon.js';
import type { NativeBackend } from '../../framework/engine/native/native-backend.js';
import { Rng } from '../../framework/engine/rng.js';
import { onStockCpu, useNative } from '../helpers/backend.js';
import { CONV_CASES, evaluate, maxRelErr, POOL_CASES, randnValues } from '../helpers/compare.js';

type Input = { values: Float32Array; shape: number[] };
const r = new Rng(7);
const input = (shape: number[], f: (v: number) => number = (v) => v): Input => ({ values: randnValues(shape, r).map(f), shape });

/** Counts calls of one addon function, so a test knows the native kernel ran rather than the cpu fallback. */
function counting(name: keyof DnnlAddon): { calls: () => number; restore: () => void } {
  const addon = (tf.backend() as unknown as NativeBackend).addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = addon[name];
  let n = 0;
  addon[name] = (...a: unknown[]) => (n++, orig(...a));
  return { calls: () => n, restore: () => void (addon[name] = orig) };
}

/** `f` on the native backend and on tfjs's stock cpu kernels (stock kernel mode there), every output compared. */
async function compare(f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Input[], tol = 1e-4, kernel?: keyof DnnlAddon): Promise<void> {
  const spy = kernel ? counting(kernel) : null;
  let mine: Float32Array[];
  try {
    mine = evaluate(f, inputs);
  } finally {
    spy?.restore();
  }
  if (spy) assert.ok(spy.calls() > 0, `the native ${kernel} kernel did not run`);
  setKernelMode('stock');
  try {
    const ref = await onStockCpu(() => evaluate(f, inputs));
    assert.equal(mine.length, ref.length);
    mine.forEach((m, i) => assert.ok(maxRelErr(m, ref[i]) < tol, `output ${i}: relative error ${maxRelErr(m, ref[i])}`));
  } finally {
    setKernelMode('fer-run');
  }
}

describe('native backend: oneDNN kernels against the stock tfjs cpu kernels', function () {
  before(useNative);

  // The shared cases plus one at the model's real channel count (oneDNN picks other implementations there).
  const convs = [...CONV_CASES, [4, 16, 16, 16, 16, 3, 1, 'same'] as (typeof CONV_CASES)[number]];
  for (const [n, h, w, ci, co, k, s, pad] of convs) {
    it(`conv2d forward, backward-data and backward-weights: x[${n},${h},${w},${ci}] k${k} s${s} ${pad}`, async () => {
      const ho = pad === 'same' ? Math.ceil(h / s) : Math.ceil((h - k + 1) / s);
      const wo = pad === 'same' ? Math.ceil(w / s) : Math.ceil((w - k + 1) / s);
      await compare(
        (x, f, dyWeights) => {
          const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad);
          const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), dyWeights)))([x, f]);
          return [y, dx, df];
        },
        [input([n, h, w, ci]), input([k, k, ci, co]), input([n, ho, wo, co])],
        1e-4,
        'conv2d',
      );
    });
  }

  for (const withRelu of [false, true]) {
    it(`batch norm${withRelu ? ' + fused ReLU' : ''}: output, batch statistics and gradients; inference with moving statistics`, async () => {
      await compare(
        (x, g, b, dyWeights) => {
          const kept: tf.Tensor[] = []; // batch statistics, kept out of tidy scopes as for the moving averages
          const bn = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
            batchNormTrain(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, (st) => kept.push(st.mean, st.variance), withRelu);
          const y = bn(x, g, b);
          const stats = kept.map((t) => tf.clone(t));
          const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(bn(a, gg, bb), dyWeights)))([x, g, b]);
          const inferred = batchNormInfer(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, stats[0] as tf.Tensor1D, tf.add(stats[1], 0.5) as tf.Tensor1D, withRelu);
          tf.dispose(kept);
          return [y, ...stats, ...grads, inferred];
        },
        [input([3, 5, 7, 6], (v) => 2 * v + 1), input([6]), input([6]), input([3, 5, 7, 6])],
        1e-4,
        'batchNormGrad',
      );
    });
  }

  it('ReLU and its one-pass gradient', async () => {
    await compare((x, dyW) => [relu(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(relu(a), dyW)))(x)], [input([2, 5, 5, 3]), input([2, 5, 5, 3])], 1e-6, 'reluGrad');
  });

  it('residual add + ReLU in one kernel, and its gradient to both inputs', async () => {
    await compare(
      (a, b, dyW) => [addRelu(a, b), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(addRelu(p, q), dyW)))([a, b])],
      [input([2, 5, 5, 3]), input([2, 5, 5, 3]), input([2, 5, 5, 3])],
      1e-6,
      'addRelu',
    );
  });

  it('global average pooling and its gradient', async () => {
    const gap = (x: tf.Tensor) => globalAvgPool(x as tf.Tensor4D);
    await compare((x, dyW) => [gap(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gap(a), dyW)))(x)], [input([3, 4, 5, 6]), input([3, 6])], 1e-5, 'globalAvgPoolGrad');
  });

  for (const [shape, k, s, pad, afterRelu] of POOL_CASES) {
    it(`max pooling and its gradient: x[${shape}] ${k}×${k} s${s} ${pad}${afterRelu ? ', after a ReLU (ties)' : ''}`, async () => {
      const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], k, s, 1, pad);
      const pool = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, k, s, pad);
      for (const kernel of ['maxPool', 'maxPoolGrad'] as const) {
        await compare(
          (x, dyW) => [pool(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dyW)))(x)],
          [input(shape, afterRelu ? (v) => Math.max(0, v) : undefined), input([shape[0], info.outHeight, info.outWidth, shape[3]])],
          1e-6,
          kernel,
        );
      }
    });
  }

  it('the occlusion gate low ⊙ (1 − σ(m)) and its gradients (eq. 1)', async () => {
    const gate = (l: tf.Tensor, m: tf.Tensor) => occlusionGate(l as tf.Tensor4D, m as tf.Tensor4D);
    await compare(
      (l, m, dyW) => [gate(l, m), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(gate(a, b), dyW)))([l, m])],
      [input([2, 5, 4, 6]), input([2, 5, 4, 1], (v) => 3 * v), input([2, 5, 4, 6])],
      1e-5,
      'occlusionGateGrad',
    );
  });

  it('L_noisy (mean BCE with logits, eq. 2) and its gradient', async () => {
    const loss = (z: tf.Tensor, y: tf.Tensor) => lossNoisy(z as tf.Tensor4D, y as tf.Tensor4D);
    await compare((z, y) => [loss(z, y), tf.grad((a: tf.Tensor) => loss(a, y))(z)], [input([3, 6, 5, 1], (v) => 4 * v), input([3, 6, 5, 1], (v) => (v > 0 ? 1 : 0))], 1e-5, 'bceWithLogitsMeanGrad');
  });

  it('sums over leading axes (bias gradients, whole tensors) natively, other axes through the cpu kernel', async () => {
    const cases: [number[], number | number[], boolean][] = [
      [[6, 5, 4, 3], [0, 1, 2], false],
      [[6, 5, 4, 3], [0, 1, 2], true],
      [[72, 5], 0, false],
      [[6, 5, 12, 1], [0, 1, 2, 3], false],
      [[6, 5, 4, 3], [1, 2], false], // not leading: cpu
      [[6, 5, 4, 3], -1, true], // not leading: cpu
    ];
    const spy = counting('columnSums');
    try {
      await compare((x) => cases.map(([shape, axis, keep]) => tf.sum(tf.reshape(x, shape), axis, keep)), [input([6, 5, 4, 3])], 1e-6);
    } finally {
      spy.restore();
    }
    assert.equal(spy.calls(), 4, 'the four leading-axis sums should run natively, the other two not');
  });

  const broadcasts: [number[], number[]][] = [
    [[2, 3, 4, 5], [2, 3, 4, 5]], // same shape (residual adds, gradient accumulation)
    [[2, 3, 4, 5], []], // scalar (input normalisation)
    [[2, 3, 4, 5], [5]], // per channel (biases)
    [[2, 3, 4, 5], [2, 3, 4, 1]], // per pixel (the attention mask over channels)
    [[3, 1], [1, 4]], // both sides broadcast
    [[1], [2, 3]],
    [[4, 1, 5], [4, 3, 5]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
  ];
  for (const [a, b] of broadcasts) {
    it(`broadcasting add/sub/mul/div [${a}] with [${b}], and their gradients`, async () => {
      await compare(
        (x, y) => ops.flatMap(([, op]) => [op(x, y), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(op(p, q), p)))([x, y])]),
        [input(a), input(b)],
        1e-5,
        'binary',
      );
    });
  }

  it('matMul with and without transposes, batched, and its gradients', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = ta ? [2, 5, 3] : [2, 3, 5];
      const b = tb ? [2, 4, 5] : [2, 5, 4];
      await compare((x, y) => [tf.matMul(x, y, ta, tb), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb))))([x, y])], [input(a), input(b)], 1e-5, 'matMul');
    }
  });

  for (const decoupled of [false, true]) {
    it(`fused Adam${decoupled ? 'W' : ''} equals the tfjs-op Adam over three steps`, async () => {
      const w0 = input([3, 4]);
      const gs = [input([3, 4]), input([3, 4]), input([3, 4])];
      const run = () => {
        const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, decoupled });
        const w = tf.variable(tf.tensor(w0.values.slice(), w0.shape));
        for (const g of gs) tf.tidy(() => opt.apply('g', new Map([['w', w]]), { w: tf.tensor(g.values, g.shape) }, 0.01));
        const out = [w, ...opt.state().tensors.values()].map((t) => (t.dataSync() as Float32Array).slice());
        opt.dispose();
        w.dispose();
        return out;
      };
      const spy = counting('adam');
      const mine = run();
      spy.restore();
      assert.equal(spy.calls(), 3);
      const ref = await onStockCpu(run);
      mine.forEach((m, i) => assert.ok(maxRelErr(m, ref[i]) < 1e-5, `tensor ${i}: ${maxRelErr(m, ref[i])}`));
    });
  }
});

describe('native backend: buffer reuse never touches arrays somebody holds', function () {
  before(useNative);
  const be = () => tf.backend() as unknown as NativeBackend;

  it('a freed kernel output is reused for the next output of its size (the pool works)', () => {
    const x = tf.tensor(input([1000]).values);
    const a = relu(x);
    const storage = be().values(a);
    a.dispose();
    const b = relu(x);
    assert.equal(be().values(b), storage, 'the second output should take the freed array');
    tf.dispose([x, b]);
  });

  it('an array returned by dataSync()/data() is never overwritten after its tensor is freed', async () => {
    const x = tf.tensor(input([1000]).values);
    const a = relu(x);
    const held = a.dataSync();
    const heldCopy = held.slice();
    const b = relu(x);
    const heldAsync = await b.data();
    const asyncCopy = heldAsync.slice();
    tf.dispose([a, b]);
    const later = Array.from({ length: 4 }, () => tf.neg(relu(tf.neg(x))));
    later.forEach((t) => assert.notEqual(be().values(t), held));
    assert.deepEqual(held, heldCopy);
    assert.deepEqual(heldAsync, asyncCopy);
    tf.dispose([x, ...later]);
  });

  it('a slice that shares its parent storage keeps it alive: the parent array is not reused while the slice lives', () => {
    const x = tf.tensor(input([4, 250]).values, [4, 250]);
    const parent = relu(x);
    const child = tf.slice(parent, [1, 0], [1, 250]); // the cpu backend returns a subarray view here
    const before = tf.tidy(() => Array.from(tf.clone(child).dataSync()));
    parent.dispose();
    const others = Array.from({ length: 3 }, () => relu(tf.neg(x)));
    assert.deepEqual(Array.from(child.dataSync()), before);
    tf.dispose([x, child, ...others]);
  });

  it("in-place Adam never alters a user's array, a clone, or an array from dataSync(); unshared variables are updated in place", () => {
    const userArray = new Float32Array([1, 2, 3, 4]);
    const w = tf.variable(tf.tensor(userArray.slice(0)), true);
    const userOwn = tf.variable(tf.tensor(userArray), true); // storage is the user's own array
    const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false });
    const step = (v: tf.Variable) => tf.tidy(() => opt.apply(v.name, new Map([[v.name, v]]), { [v.name]: tf.onesLike(v) }, 0.1));

    step(userOwn);
    assert.deepEqual(Array.from(userArray), [1, 2, 3, 4], "the user's Float32Array changed");
    assert.notDeepEqual(Array.from(userOwn.dataSync()), [1, 2, 3, 4], 'the variable did not change');

    const snap = tf.clone(w); // shares w's storage
    step(w);
    assert.deepEqual(Array.from(snap.dataSync()), [1, 2, 3, 4], 'a clone taken before the update changed');

    const held = w.dataSync();
    const heldCopy = held.slice();
    step(w);
    assert.deepEqual(held, heldCopy, 'an array from dataSync() changed');

    step(w); // storage now private to w: this update must be in place
    const storage = be().values(w);
    step(w);
    assert.equal(be().values(w), storage, 'an unshared variable should be updated in place');
    tf.dispose([w, userOwn, snap]);
    opt.dispose();
  });
});
