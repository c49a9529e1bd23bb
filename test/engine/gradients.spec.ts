import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../framework/engine/adam.js';
import { variableGrads } from '../../framework/engine/gradients.js';
import { biasAdd } from '../../framework/engine/kernels/bias-add.js';
import { mergeParams, ParamBuilder } from '../../framework/engine/layers.js';
import { frObjective } from '../../framework/engine/train-step.js';
import { useNative, useWasm } from '../helpers/backend.js';
import { randomBatch, tinyModel } from '../helpers/model.js';

const cfg = { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] as [number, number] };

/** Both gradient functions on one M_ResAttAdv F/R objective, by variable name. */
async function bothGradients(): Promise<{ ours: Map<string, Float32Array>; stock: Map<string, Float32Array> }> {
  const m = await tinyModel('M_ResAttAdv', 2, 16, 3);
  const batch = randomBatch(m, 6, 16, 3, 4);
  const vars = [...mergeParams(m.params('extractor'), m.params('attention'), m.params('classifier')).trainable.values()];
  const run = (grads: typeof variableGrads) => {
    const s = { training: true, updates: [] as never[] };
    const before = tf.memory().numTensors;
    const { value, grads: g } = grads(() => frObjective(m, batch, cfg, s).total, vars);
    const out = new Map(Object.entries(g).map(([k, t]) => [k, (t.dataSync() as Float32Array).slice()]));
    tf.dispose([value, ...Object.values(g)]);
    for (const u of s.updates as { batchMean: tf.Tensor; batchVariance: tf.Tensor }[]) tf.dispose([u.batchMean, u.batchVariance]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    return out;
  };
  const ours = run(variableGrads);
  const stock = run((f, v) => tf.variableGrads(f, v) as ReturnType<typeof variableGrads>);
  tf.dispose(Object.values(batch));
  m.dispose();
  return { ours, stock };
}

function assertSameBits(ours: Map<string, Float32Array>, stock: Map<string, Float32Array>): void {
  assert.deepEqual([...ours.keys()].sort(), [...stock.keys()].sort());
  for (const [k, g] of stock) assert.deepEqual(ours.get(k), g, `${k}: the same bits as tf.variableGrads`);
}

/**
 * numBytes at the moment the gradient reaches the bottom of a chain of `layers` matmul + ReLU
 * layers (a probe's gradient runs there), above what was live before the call.
 */
function bytesAtBottom(grads: typeof variableGrads, layers: number, rows: number): number {
  const width = 32;
  const ws = Array.from({ length: layers }, (_, i) => tf.variable(tf.randomNormal([width, width], 0, 0.2, 'float32', i)));
  const x = tf.randomNormal([rows, width], 0, 1, 'float32', 99);
  let seen = -1;
  const probe = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.clone(t),
    gradFunc: (dy: tf.Tensor) => {
      seen = tf.memory().numBytes;
      return dy.clone();
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  const base = tf.memory().numBytes;
  const { value, grads: g } = grads(() => {
    let h = probe(tf.matMul(x, ws[0]));
    for (let i = 1; i < layers; i++) h = tf.relu(tf.matMul(h, ws[i]));
    return tf.sum(h) as tf.Scalar;
  }, ws);
  tf.dispose([value, ...Object.values(g), x, ...ws]);
  return seen - base;
}

function suite(name: string, use: (this: Mocha.Context) => Promise<void>): void {
  describe(`variableGrads on ${name}: tfjs's gradients, with each node's memory freed once backpropagated`, () => {
    before(use);

    it('gives tf.variableGrads bit for bit on a whole F/R objective (M_ResAttAdv), leaving no tensor behind', async () => {
      const { ours, stock } = await bothGradients();
      assertSameBits(ours, stock);
    });

    it("holds only the current activations' memory at the bottom of a deep chain, where tfjs holds every layer's", () => {
      const layers = 12;
      const rows = 512;
      const activation = rows * 32 * 4;
      const ours = bytesAtBottom(variableGrads, layers, rows);
      const stock = bytesAtBottom((f, v) => tf.variableGrads(f, v) as ReturnType<typeof variableGrads>, layers, rows);
      // Weight gradients (12 × 4 KiB) are live in both; tfjs also still holds every layer's saved
      // activations and output gradients (≥ 2 per layer), fer-run those of the bottom layer only.
      assert.ok(stock > 2 * layers * activation, `tfjs holds ${stock} bytes`);
      assert.ok(ours < 6 * activation, `fer-run holds ${ours} bytes (one activation is ${activation})`);
    });

    it("biasAdd (whose gradient needs nothing saved): tf.add's values and gradients", () => {
      for (const shape of [[2, 5, 3, 6], [7, 6]]) {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
        const b = tf.randomNormal([6], 0, 1, 'float32', 2) as tf.Tensor1D;
        const w = tf.randomNormal(shape, 0, 1, 'float32', 3);
        const loss = (add: (x: tf.Tensor, b: tf.Tensor1D) => tf.Tensor) => (xi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(add(xi, bi as tf.Tensor1D), w));
        const [ours, stock] = [biasAdd, (p: tf.Tensor, q: tf.Tensor1D) => tf.add(p, q)].map((add) => tf.grads(loss(add))([x, b]).map((g) => g.dataSync()));
        assert.deepEqual(ours, stock, `gradients for ${shape}`);
        assert.deepEqual(biasAdd(x, b).dataSync(), tf.add(x, b).dataSync());
        tf.dispose([x, b, w]);
      }
    });

    it('a variable is one tensor: layers and Adam dispose the initial values they make variables from', () => {
      const before = tf.memory().numTensors;
      const pb = new ParamBuilder('t', 1);
      pb.conv('c', 3, 2, 4, 1, 'same', true);
      pb.dense('d', 4, 3);
      pb.batchNorm('bn', 4);
      const vars = new Map([...pb.params.trainable, ...pb.params.state]);
      assert.equal(tf.memory().numTensors - before, vars.size, 'one tensor per variable');
      const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
      const grads = Object.fromEntries([...pb.params.trainable].map(([k, v]) => [k, tf.onesLike(v)]));
      opt.apply('g', pb.params.trainable, grads, 1e-3);
      tf.dispose(Object.values(grads));
      assert.equal(tf.memory().numTensors - before, vars.size + 2 * pb.params.trainable.size, 'and two moments per trained variable');
      opt.dispose();
      for (const v of vars.values()) v.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  });
}

suite('wasm', useWasm);
suite('native', useNative);
