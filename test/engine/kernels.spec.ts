import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from '../../framework/engine/kernels/batch-norm.js';
import { conv2d } from '../../framework/engine/kernels/conv2d.js';
import { simdKernels } from '../../framework/engine/kernels/simd/pool.js';
import { Rng } from '../../framework/engine/rng.js';
import { onCpu, useWasm } from '../helpers/backend.js';
import { CONV_CASES, maxRelErr, POOL_CASES, randnValues } from '../helpers/compare.js';

const randn = (shape: number[], r: Rng) => tf.tensor(randnValues(shape, r), shape);

describe('fer-run gradient kernels against tfjs reference kernels', () => {
  before(useWasm);
  const r = new Rng(42);
  // On wasm, fer-run's SIMD kernels; on cpu (no wasm heap), its forward-convolution forms.
  const on = (backend: 'wasm' | 'cpu') => <T>(f: () => T): Promise<T> => (backend === 'wasm' ? Promise.resolve(f()) : onCpu(f));
  for (const backend of ['wasm', 'cpu'] as const)
  for (const [n, h, w, ci, co, k, s, pad] of CONV_CASES) {
    it(`conv2d gradients on ${backend} match the stock cpu kernels: x[${n},${h},${w},${ci}] k${k} s${s} ${pad}`, async () => {
      const xv = randn([n, h, w, ci], r);
      const fv = randn([k, k, ci, co], r);
      const loss = (op: typeof conv2d) => (x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(op(x as tf.Tensor4D, f as tf.Tensor4D, s, pad)));
      const xd = xv.dataSync();
      const fd = fv.dataSync();
      const ref = await onCpu(() =>
        tf.tidy(() => {
          const g = tf.grads(loss((x, f, st, p) => tf.conv2d(x, f, st, p)))([tf.tensor(xd, xv.shape), tf.tensor(fd, fv.shape)]);
          return g.map((t) => Array.from(t.dataSync()));
        }),
      );
      const mine = await on(backend)(() => tf.tidy(() => tf.grads(loss(conv2d))([tf.tensor(xd, xv.shape), tf.tensor(fd, fv.shape)]).map((t) => Array.from(t.dataSync()))));
      assert.ok(maxRelErr(mine[0], ref[0]) < 1e-4, `dx error ${maxRelErr(mine[0], ref[0])}`);
      assert.ok(maxRelErr(mine[1], ref[1]) < 1e-4, `dW error ${maxRelErr(mine[1], ref[1])}`);
      tf.dispose([xv, fv]);
    });
  }

  for (const [shape, k, s, pad, afterRelu] of POOL_CASES) {
    it(`max-pool gradient on wasm (fer-run's SIMD kernel) matches the stock cpu kernel: x[${shape}] ${k}×${k} s${s} ${pad}${afterRelu ? ', ties after a ReLU' : ''}`, async () => {
      const xv = randnValues(shape, r).map((v) => (afterRelu ? Math.max(0, v) : v));
      const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], k, s, 1, pad);
      const wv = randnValues([shape[0], info.outHeight, info.outWidth, shape[3]], r);
      const grad = () => tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, k, s, pad), tf.tensor(wv, [shape[0], info.outHeight, info.outWidth, shape[3]]))))(tf.tensor(xv, shape)).dataSync()));
      const ref = await onCpu(grad);
      const k0 = simdKernels()!;
      const run = k0.run.bind(k0);
      let calls = 0;
      k0.run = (name, args) => (name === 'maxpool_grad' && calls++, run(name, args));
      try {
        const mine = grad();
        assert.ok(calls > 0, 'the SIMD kernel ran');
        assert.ok(maxRelErr(mine, ref) < 1e-6, `dx error ${maxRelErr(mine, ref)}`);
      } finally {
        k0.run = run;
      }
    });
  }

  it('Identity (what the tape runs to save a tensor) shares the data on wasm instead of copying it', () => {
    const ids = tf.backend().numDataIds();
    const x = tf.tensor([1, 2, 3]);
    const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
    assert.equal(y.dataId, x.dataId);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], 'the shared data outlives the first reference');
    y.dispose();
    assert.equal(tf.backend().numDataIds(), ids, 'the last reference frees it');
    const s = tf.tensor(['a', 'b']);
    assert.deepEqual(tf.clone(s).arraySync(), ['a', 'b']);
    s.dispose();
  });

  it('Slice on wasm (reading its input in place) takes the same boxes as the stock cpu kernel, ranks 1-5, float and int', async () => {
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [4]],
      [[4, 6], [1, 2], [2, -1]],
      [[3, 4, 5], [0, 1, 2], [3, 2, 3]],
      [[2, 3, 4, 5], [1, 0, 1, 0], [1, 3, 2, 5]],
      [[2, 3, 2, 3, 4], [0, 1, 1, 0, 1], [2, 2, 1, 3, 2]],
      [[5, 4], [2, 0], [0, 4]],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shape, begin, size] of cases) {
        const values = Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i * 7 - 3);
        const mine = tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size).arraySync());
        const ref = await onCpu(() => tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size).arraySync()));
        assert.deepEqual(mine, ref, `${dtype} ${JSON.stringify([shape, begin, size])}`);
      }
    }
  });

  // Channel counts for the SIMD kernels' blocks: 6 = 4 + 2 scalar, 21 = 16 + 4 + 1 (statistics), 8 + 8 + 4 + 1 (gradient sums).
  for (const backend of ['wasm', 'cpu'] as const)
  for (const [c, relu] of [[6, false], [6, true], [21, false], [21, true]] as const) {
    it(`batch norm${relu ? ' + ReLU' : ''} on ${backend}, ${c} channels: values, gradients and batch statistics match autodiff of the textbook formula`, async () => {
      const x = randn([3, 4, 5, c], r);
      const gamma = randn([c], r);
      const beta = randn([c], r);
      const weights = randn([3, 4, 5, c], r);
      const ref = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        const y = tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
        return relu ? tf.relu(y) : y;
      };
      const stats: tf.Tensor[] = [];
      const mine = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        batchNormTrain(xx as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, (s) => stats.push(s.mean, s.variance), relu);
      const f = (op: typeof ref) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(xx, g, b), weights));
      const values = (op: typeof ref) => tf.tidy(() => [op(x, gamma, beta), ...tf.grads(f(op))([x, gamma, beta])].map((t) => Array.from(t.dataSync())));
      const a = values(ref);
      const b = await on(backend)(() => values(mine));
      a.forEach((v, i) => assert.ok(maxRelErr(b[i], v) < 1e-4, `output ${i}: error ${maxRelErr(b[i], v)}`));
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const [sm, sv] = await on(backend)(() => stats.map((t) => Array.from(t.dataSync())));
      assert.ok(maxRelErr(sm, Array.from(mean.dataSync())) < 1e-5, 'batch mean reported for the moving averages');
      assert.ok(maxRelErr(sv, Array.from(variance.dataSync())) < 1e-5, 'batch variance reported for the moving averages');
      tf.dispose([x, gamma, beta, weights, mean, variance, ...stats]);
    });
  }
});
