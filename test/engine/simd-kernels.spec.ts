import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from '../../framework/engine/kernels/batch-norm.js';
import { conv2d } from '../../framework/engine/kernels/conv2d.js';
import { KERNELS_WASM, simdKernels } from '../../framework/engine/kernels/simd/pool.js';
import { PROJECT_ROOT } from '../../framework/paths.js';
import { useWasm } from '../helpers/backend.js';

const BUILD = join(PROJECT_ROOT, 'framework/engine/kernels/simd/build.sh');
const hasClang = spawnSync('clang-14', ['--version']).status === 0 && spawnSync('wasm-ld-14', ['--version']).status === 0;

describe("fer-run's wasm SIMD kernels", () => {
  before(useWasm);

  it('are what the wasm backend computes conv2d filter gradients with', async () => {
    assert.ok(simdKernels(), 'the kernels load on the wasm backend');
    const x = tf.ones([2, 6, 6, 3]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 3, 8]) as tf.Tensor4D;
    const profile = await tf.profile(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, f]));
    assert.ok(profile.kernels.some((k) => k.name === 'FerConv2DBackpropFilterSimd'), profile.kernels.map((k) => k.name).join(' '));
    tf.dispose([x, f, ...(profile.result as tf.Tensor[])]);
  });

  it('are what the wasm backend trains batch norm with, both ways', async () => {
    const x = tf.randomNormal([2, 4, 4, 8]) as tf.Tensor4D;
    const g = tf.ones([8]) as tf.Tensor1D;
    const b = tf.zeros([8]) as tf.Tensor1D;
    const stats: tf.Tensor[] = [];
    const profile = await tf.profile(() => tf.grads((a: tf.Tensor) => tf.sum(tf.square(batchNormTrain(a as tf.Tensor4D, g, b, (s) => stats.push(s.mean, s.variance), true))))([x]));
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes('FerBatchNormTrainSimd') && names.includes('FerBatchNormGradSimd'), names.join(' '));
    tf.dispose([x, g, b, ...stats, ...(profile.result as tf.Tensor[])]);
  });

  it('a call with the wrong arguments, or a kernel that traps on its thread or a worker, throws, and the pool answers the next call correctly', () => {
    const k = simdKernels()!;
    const shape = k.ints([4, 4, 4, 4, 4, 4, 8, 3, 3, 1, 1, 1]);
    assert.throws(() => k.run('sum_partials', [0, 0]), /takes 3 arguments, not 2/);
    const beyond = 0xfff00000; // far past the heap: every thread's first load traps
    assert.throws(() => k.run('filter_grad', [beyond, beyond, beyond, beyond, shape]), /out of bounds/);
    const x = tf.ones([4, 4, 4, 4]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 4, 8]) as tf.Tensor4D;
    const dW = tf.grad((b: tf.Tensor) => tf.sum(conv2d(x, b as tf.Tensor4D, 1, 'same')))(f);
    // With all-ones inputs each tap's gradient counts the output pixels whose input under it exists:
    // 3 of 4 rows (corner taps) times 3 of 4 columns, times 4 images.
    assert.equal(dW.dataSync()[0], 4 * 3 * 3);
    assert.equal(dW.dataSync()[(1 * 3 + 1) * 32], 4 * 4 * 4, 'the centre tap sees every pixel');
    tf.dispose([x, f, dW]);
  });

  it('the build puts both modules next to the compiled pool.js, where a packed fer-run loads them', function () {
    const dist = join(PROJECT_ROOT, 'dist/framework/engine/kernels/simd');
    if (!existsSync(join(dist, 'pool.js'))) this.skip(); // not built (CI builds in npm ci)
    for (const f of [KERNELS_WASM.shared, KERNELS_WASM.unshared]) {
      const built = join(dist, basename(f));
      assert.ok(existsSync(built) && readFileSync(built).equals(readFileSync(f)), `${built} is missing or stale: npm run build`);
    }
  });

  it('the committed kernels-shared.wasm and kernels.wasm are built from kernels.c (rebuilt when clang-14 is present)', function () {
    if (!hasClang) this.skip();
    const out = mkdtempSync(join(tmpdir(), 'fer-run-simd-'));
    try {
      const r = spawnSync('sh', [BUILD, out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(readFileSync(join(out, 'kernels-shared.wasm')).equals(readFileSync(KERNELS_WASM.shared)), 'kernels-shared.wasm is stale: run framework/engine/kernels/simd/build.sh');
      assert.ok(readFileSync(join(out, 'kernels.wasm')).equals(readFileSync(KERNELS_WASM.unshared)), 'kernels.wasm is stale: run framework/engine/kernels/simd/build.sh');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
