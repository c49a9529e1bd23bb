import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../framework/config/manifest.js';
import { Adam } from '../../framework/engine/adam.js';
import { setKernelMode } from '../../framework/engine/kernels/mode.js';
import { mergeParams } from '../../framework/engine/layers.js';
import type { NativeBackend } from '../../framework/engine/native/native-backend.js';
import { lossD } from '../../framework/engine/losses.js';
import { frObjective, trainStep, type BatchTensors } from '../../framework/engine/train-step.js';
import { PROJECT_ROOT } from '../../framework/paths.js';
import { onStockCpu, useNative } from '../helpers/backend.js';
import { maxRelErr } from '../helpers/compare.js';
import { tinyManifest } from '../helpers/manifests.js';
import { randomBatch, tinyModel } from '../helpers/model.js';
import { tempDir } from '../helpers/tmp.js';

const cfg = { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] as [number, number] };
const adam = () => new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });

/** Every gradient of one M_ResAttAdv training step (F/R objective over F, φ, R; L_D over D), by variable name. */
async function stepGradients(batchValues: Record<string, { values: Float32Array; shape: number[] }>, size = 16, backbone?: ModelSpec['backbone']): Promise<Map<string, Float32Array>> {
  const m = await tinyModel('M_ResAttAdv', 3, size, 3, backbone);
  const batch = Object.fromEntries(Object.entries(batchValues).map(([k, v]) => [k, tf.tensor(v.values, v.shape)])) as unknown as BatchTensors;
  const out = new Map<string, Float32Array>();
  const collect = (vars: Map<string, tf.Variable>, f: () => tf.Scalar) => {
    const names = new Map([...vars].map(([k, v]) => [v.name, k]));
    const { value, grads } = tf.variableGrads(f, [...vars.values()]);
    for (const [k, g] of Object.entries(grads)) out.set(names.get(k)!, (g.dataSync() as Float32Array).slice());
    tf.dispose([value, ...Object.values(grads)]);
  };
  const s = { training: true, updates: [] as never[] };
  let features: tf.Tensor2D | null = null;
  collect(mergeParams(m.params('extractor'), m.params('attention'), m.params('classifier')).trainable, () => {
    const o = frObjective(m, batch, cfg, s);
    features = tf.keep(o.features);
    return o.total;
  });
  collect(m.params('discriminator').trainable, () => lossD(m.discriminator!.logits(features!, s), batch.occluded));
  tf.dispose([features!, ...Object.values(batch)]);
  for (const u of s.updates as { batchMean: tf.Tensor; batchVariance: tf.Tensor }[]) tf.dispose([u.batchMean, u.batchVariance]);
  m.dispose();
  return out;
}

describe('native backend: whole training steps', function () {
  before(useNative);
  const be = () => tf.backend() as unknown as NativeBackend;

  it("an M_ResAttAdv step's gradients (F, φ, R and D) match tfjs's stock cpu kernels", async () => {
    const m = await tinyModel('M_ResAttAdv', 3, 16, 3);
    const batch = randomBatch(m, 6, 16, 3, 5);
    const values = Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, { values: (t as tf.Tensor).dataSync().slice() as Float32Array, shape: (t as tf.Tensor).shape }]));
    tf.dispose(Object.values(batch));
    m.dispose();
    const mine = await stepGradients(values);
    setKernelMode('stock');
    const ref = await onStockCpu(() => stepGradients(values)).finally(() => setKernelMode('fer-run'));
    assert.equal(mine.size, ref.size);
    assert.ok([...mine.keys()].some((k) => k.startsWith('attention/')) && [...mine.keys()].some((k) => k.startsWith('discriminator/')));
    for (const [name, g] of ref) assert.ok(maxRelErr(mine.get(name)!, g) < 1e-4, `${name}: relative error ${maxRelErr(mine.get(name)!, g)}`);
  });

  it("a ResNet-18 M_ResAttAdv step's gradients (7×7 stem, max-pool, every stage) match tfjs's stock cpu kernels", async function () {
    this.timeout(300_000);
    const backbone = { type: 'resnet18' };
    // 64 px and 4 images: the last stage's batch norm still sees 16 values per channel (at 32 px and
    // 2 images it would see 2, and amplify float rounding into percent-level gradient differences).
    const m = await tinyModel('M_ResAttAdv', 3, 64, 3, backbone);
    const batch = randomBatch(m, 4, 64, 3, 7);
    const values = Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, { values: (t as tf.Tensor).dataSync().slice() as Float32Array, shape: (t as tf.Tensor).shape }]));
    tf.dispose(Object.values(batch));
    m.dispose();
    const mine = await stepGradients(values, 64, backbone);
    setKernelMode('stock');
    const ref = await onStockCpu(() => stepGradients(values, 64, backbone)).finally(() => setKernelMode('fer-run'));
    assert.equal(mine.size, ref.size);
    assert.ok([...mine.keys()].some((k) => k.startsWith('backbone/conv5_block2')), [...mine.keys()].slice(0, 5).join(' '));
    // Below the stem's max pool a gradient goes to each window's argmax. Where two values of a
    // window are within float rounding of each other (or a ReLU output is a hair above 0 on one
    // backend and 0 on the other), the two backends may route it to different pixels, both
    // correctly: the stem's gradients are compared by direction, everything above exactly.
    const cosine = (a: Float32Array, b: Float32Array) => {
      let ab = 0, aa = 0, bb = 0;
      for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
      return ab / Math.sqrt(aa * bb);
    };
    for (const [name, g] of ref) {
      if (name.startsWith('backbone/conv1_')) assert.ok(cosine(mine.get(name)!, g) > 0.99, `${name}: cosine ${cosine(mine.get(name)!, g)}`);
      // 21 batch norms deep, sums over a different order: 1e-3 (the per-kernel tests hold 1e-4).
      else assert.ok(maxRelErr(mine.get(name)!, g) < 1e-3, `${name}: relative error ${maxRelErr(mine.get(name)!, g)}`);
    }
  });

  it('200 steps after warm-up: tensor count flat, no new output arrays, RSS flat (measured in a process of its own)', function () {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/native-steps.ts'), '200'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, after } = JSON.parse(r.stdout) as Record<'before' | 'after', Record<string, number>>;
    assert.equal(after.tensors, before.tensors, 'tensor count grew');
    assert.equal(after.allocations, before.allocations, 'kernels allocated new output arrays after warm-up');
    const mib = (k: string) => (after[k] - before[k]) / 2 ** 20;
    assert.ok(mib('arrayBuffers') < 1, `tensor storage (array buffers) grew by ${mib('arrayBuffers').toFixed(2)} MiB over 200 steps`);
    assert.ok(mib('heapUsed') < 1, `live JS heap grew by ${mib('heapUsed').toFixed(2)} MiB over 200 steps`);
    // Array buffers (tensor storage) and the live heap are exact and catch a leaked activation per
    // step; RSS moves by ±15 MiB with page reuse even when nothing leaks, so it only bounds native
    // memory (oneDNN, the addon) to < 120 KB a step.
    assert.ok(mib('rss') < 24, `RSS grew by ${mib('rss').toFixed(1)} MiB over 200 steps`);
  });

  it('same seed, same batches → identical losses (oneDNN runs deterministically here)', async () => {
    const run = async () => {
      const m = await tinyModel('M_ResAttAdv', 2, 16, 3);
      const opt = adam();
      const batch = randomBatch(m, 8, 16, 3);
      const losses = Array.from({ length: 5 }, () => trainStep(m, opt, batch, 1e-3, cfg));
      tf.dispose(Object.values(batch));
      opt.dispose();
      m.dispose();
      return losses;
    };
    assert.deepEqual(await run(), await run());
  });
});

describe('native backend: selection', function () {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('`fer-run run --backend native` restarts once with a single-threaded GC, trains, prints oneDNN, and records both in env.json', async function () {
    await useNative.call(this);
    const runs = join(tmp.dir, 'runs');
    const manifest = tmp.write('n.json', tinyManifest({ rows: [{ name: 'M_ResAttAdv' }] }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'framework/cli/main.ts'), 'run', manifest, '--backend', 'native', '--runs', runs, '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--no-report'], {
      encoding: 'utf8',
      env: { ...process.env, FER_RUN_GC: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^fer-run: backend native \(@fer-run\/dnnl, oneDNN \d+\.\d+\.\d+ [a-z0-9_]+, tfjs 4\.22\.0\)/m);
    const cells = readdirSync(join(runs, 'tiny'));
    assert.ok(cells.length > 0);
    for (const cell of cells) {
      const env = JSON.parse(readFileSync(join(runs, 'tiny', cell, 'env.json'), 'utf8'));
      assert.equal(env.backend, 'native');
      assert.match(env.oneDNN, /^\d+\.\d+\.\d+$/);
      assert.match(env.oneDNNIsa, /^[a-z0-9_]+$/);
      assert.equal(env.v8Gc, 'single-threaded');
    }
  });

  it('without the addon: auto falls back to wasm with a one-line notice, and --backend native is exit 2 saying how to install it', function () {
    const manifest = tmp.write('f.json', tinyManifest({ rows: [{ name: 'M_Res', set: { 'model.attention': { type: 'none' }, 'model.discriminator': { type: 'none' } } }], trainings: { lab: { datasets: [{ type: 'synthetic-faces', options: { preset: 'lab', train: 16, test: 8 } }], occluder: { type: 'objects' }, epochs: 1, batchSize: 16 } } }));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'framework/cli/main.ts'), 'run', manifest, '--runs', join(tmp.dir, 'fallback-runs'), '--reports', join(tmp.dir, 'fallback-reports'), '--cache', join(tmp.dir, 'cache'), '--no-report', ...args], {
        env: { ...process.env, FER_RUN_NO_NATIVE: '1' },
        encoding: 'utf8',
      });
    const auto = run();
    assert.equal(auto.status, 0, auto.stderr);
    const notices = auto.stderr.split('\n').filter((l) => l.includes('native oneDNN kernels unavailable'));
    assert.equal(notices.length, 1, auto.stderr);
    assert.match(notices[0], /apt-get install libdnnl-dev/);
    assert.match(auto.stderr, /^fer-run: backend wasm /m);
    const forced = run('--backend', 'native');
    assert.equal(forced.status, 2);
    assert.match(forced.stderr, /backend "native" was requested but fer-run's oneDNN addon \(@fer-run\/dnnl\) does not load: disabled by FER_RUN_NO_NATIVE=1\. Install oneDNN \(`apt-get install libdnnl-dev`/);
    assert.doesNotMatch(forced.stderr, /\n\s+at /, 'no stack trace');
  });
});
