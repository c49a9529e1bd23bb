/**
 * fer-run's benchmarks (`npm run bench`): training and inference throughput of the paper's models
 * on every available backend, with tfjs's stock kernels and with fer-run's in the same run (so the
 * speed-up is a ratio), tensor count and RSS across steps, and the data pipeline's rates.
 * Writes reports/bench/results.json. `npm run bench -- --quick` skips the (very slow) stock cpu runs.
 *
 * Each backend is measured in a process of its own, started as the CLI would run it: the native
 * backend with V8's single-threaded GC (see framework/cli/relaunch.ts), the others without.
 * Last, the paper-scale comparison (bench/versus-pytorch.ts): resnet-mini at 64 px and ResNet-18/50
 * at 112 px against PyTorch on the same CPU, in alternating rounds, with peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import { loadRegistry } from '../framework/cli/session.js';
import type { ModelSpec } from '../framework/config/manifest.js';
import { assembleBatch } from '../framework/data/batch.js';
import { epochPlan } from '../framework/data/training-mix.js';
import { Adam } from '../framework/engine/adam.js';
import { selectBackend } from '../framework/engine/backend.js';
import { NATIVE_GC_FLAG } from '../framework/engine/native/addon.js';
import { setKernelMode, type KernelMode } from '../framework/engine/kernels/mode.js';
import { FerModel } from '../framework/engine/model.js';
import { Rng } from '../framework/engine/rng.js';
import { trainStep, type BatchTensors } from '../framework/engine/train-step.js';
import { createBuildContext } from '../framework/plugin/build-context.js';
import { writeJsonAtomic } from '../framework/runs/atomic.js';
import { buildModel } from '../framework/engine/build-model.js';
import { SyntheticFaces } from '../plugins/datasets/synthetic-faces/generator.js';
import { alignmentRate } from './alignment.js';
import { printVersus, versusPytorch } from './versus-pytorch.js';

const quick = process.argv.includes('--quick');
/** `--only <backend>`: measure one backend and print its rows as JSON (the parent process asks for this). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const SIZE = 64;
const BATCH = 32;
const registry = await loadRegistry();
const cacheDir = join('.cache', 'fer-run');

const spec = (variant: 'M_Res' | 'M_ResAttAdv'): ModelSpec => ({
  backbone: { type: 'resnet-mini' },
  attention: variant === 'M_ResAttAdv' ? { type: 'occlusion-mask' } : { type: 'none' },
  discriminator: variant === 'M_ResAttAdv' ? { type: 'mlp' } : { type: 'none' },
  classifierHidden: [],
  lambda1: 0.1,
  lambda2: 0.1,
});

async function model(variant: 'M_Res' | 'M_ResAttAdv'): Promise<FerModel> {
  return buildModel(spec(variant), createBuildContext({ registry, seed: 1, imageSize: SIZE, cacheDir }), 7);
}

function batchFor(m: FerModel): BatchTensors {
  const [h, w] = m.backbone.lowShape;
  return tf.tidy(() => ({
    images: tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 255, 'float32', 1) as tf.Tensor4D,
    labels: tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 7)),
    occluded: tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2)),
    // Float32Array storage, as the trainer's batches have (a cast from bool would keep bytes).
    masks: tf.tensor4d(Float32Array.from({ length: BATCH * h * w }, (_, i) => (Math.sin(i * 12.9898) > 0 ? 1 : 0)), [BATCH, h, w, 1]),
  }));
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const latency = (b: Bench) => {
  const r = b.tasks[0].result as { state: string; latency?: { mean: number }; error?: Error };
  if (r.state === 'errored') throw r.error;
  return r.latency!;
};

/** A model, optimizer and batch for one variant, and its training step. */
async function setup(variant: 'M_Res' | 'M_ResAttAdv') {
  const m = await model(variant);
  const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
  const batch = batchFor(m);
  return {
    variant,
    step: () => void trainStep(m, opt, batch, 1e-3, { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] }),
    dispose: () => {
      tf.dispose(Object.values(batch));
      opt.dispose();
      m.dispose();
    },
  };
}

async function measure(step: () => void, opts: { time: number; iterations: number; warmupIterations: number; warmupTime: number }) {
  const b = new Bench({ ...opts, throws: true } as never);
  b.add('step', step);
  await b.run();
  return latency(b);
}

interface TrainRow {
  backend: string;
  variant: string;
  kernels: KernelMode;
  /** From mean step times (GC pauses included); for fer-run's kernels the median of the measuring rounds. */
  imagesPerSecond: number | null;
  /** Images/s of each measuring round (mean step time within the round). */
  rounds?: number[];
  note?: string;
  tensors?: [number, number];
  rssMiB?: [number, number];
}
const training: TrainRow[] = [];
const inference: { backend: string; variant: string; imagesPerSecond: number }[] = [];

const backends = ['native', 'wasm', 'cpu'] as const;
const unavailable: Record<string, string> = {};
if (!only) {
  for (const backend of backends) {
    const flags = backend === 'native' ? [NATIVE_GC_FLAG] : [];
    const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url), '--only', backend, ...(quick ? ['--quick'] : [])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 2 ** 20,
    });
    if (child.status !== 0) throw new Error(`the ${backend} benchmark process failed (exit ${child.status})`);
    const part = JSON.parse(child.stdout.trim().split('\n').pop()!) as { training: TrainRow[]; inference: typeof inference; unavailable: Record<string, string> };
    training.push(...part.training);
    inference.push(...part.inference);
    Object.assign(unavailable, part.unavailable);
  }
}
for (const backend of backends.filter((b) => b === only)) {
  try {
    await selectBackend(backend);
  } catch (e) {
    unavailable[backend] = (e as Error).message.split('. ')[0];
    continue;
  }
  // The cpu backend is slow even with fer-run's kernels (its forward conv is a JS im2col): few iterations there.
  const slow = backend === 'cpu';
  const variants = ['M_Res', 'M_ResAttAdv'] as const;
  for (const variant of variants) {
    // Stock kernels: one measurement each (they cannot train on wasm, and take minutes on cpu).
    if (backend === 'native') {
      training.push({ backend, variant, kernels: 'stock', imagesPerSecond: null, note: 'n/a (the native backend is fer-run kernels only)' });
    } else if (backend === 'cpu' && quick) {
      training.push({ backend, variant, kernels: 'stock', imagesPerSecond: null, note: 'skipped (--quick)' });
    } else {
      setKernelMode('stock');
      const s = await setup(variant);
      try {
        s.step();
        const lat = await measure(s.step, { time: slow ? 0 : 4000, iterations: slow ? 1 : 10, warmupIterations: slow ? 0 : 3, warmupTime: 0 });
        training.push({ backend, variant, kernels: 'stock', imagesPerSecond: (BATCH * 1000) / lat.mean, rounds: [(BATCH * 1000) / lat.mean] });
      } catch (e) {
        training.push({ backend, variant, kernels: 'stock', imagesPerSecond: null, note: `cannot train: ${(e as Error).message.split('\n')[0]}` });
      }
      s.dispose();
      setKernelMode('fer-run');
      process.stderr.write(`  ${JSON.stringify(training[training.length - 1])}\n`);
    }
  }
  // fer-run's kernels: the two variants measured in alternating rounds, so that both see the same
  // machine (this VM's speed drifts by ±30% over minutes); the rate is the median round's.
  const setups = await Promise.all(variants.map((v) => setup(v)));
  for (const s of setups) for (let i = 0; i < (slow ? 1 : 6); i++) s.step(); // Adam's moments, pools, caches
  const before = { tensors: tf.memory().numTensors, rss: rssMiB() }; // both variants' models alive
  const rates = setups.map(() => [] as number[]);
  for (let round = 0; round < (slow ? 1 : 4); round++) {
    for (const [i, s] of setups.entries()) {
      const lat = await measure(s.step, slow ? { time: 0, iterations: 2, warmupIterations: 0, warmupTime: 0 } : { time: 2500, iterations: 5, warmupIterations: 1, warmupTime: 0 });
      rates[i].push((BATCH * 1000) / lat.mean);
    }
  }
  const after = { tensors: tf.memory().numTensors, rss: rssMiB() };
  setups.forEach((s, i) => {
    const sorted = [...rates[i]].sort((x, y) => x - y);
    const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    training.push({ backend, variant: s.variant, kernels: 'fer-run', imagesPerSecond: median, rounds: rates[i], tensors: [before.tensors, after.tensors], rssMiB: [before.rss, after.rss] });
    process.stderr.write(`  ${JSON.stringify(training[training.length - 1])}\n`);
    s.dispose();
  });
  for (const variant of variants) {
    setKernelMode('fer-run');
    const m = await model(variant);
    const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 255) as tf.Tensor4D;
    const infer = () => tf.tidy(() => void m.forward(FerModel.normalize(x), { training: false, updates: [] }).logits.dataSync());
    const lat = await measure(infer, backend === 'cpu' ? { time: 0, iterations: 2, warmupIterations: 1, warmupTime: 0 } : { time: 2000, iterations: 64, warmupIterations: 2, warmupTime: 0 });
    inference.push({ backend, variant, imagesPerSecond: (BATCH * 1000) / lat.mean });
    x.dispose();
    m.dispose();
  }
}
if (only) {
  process.stdout.write(`${JSON.stringify({ training, inference, unavailable })}\n`);
  process.exit(0);
}
await selectBackend('wasm');

// Data pipeline: face generation, occlusions, batch assembly.
const gen = new SyntheticFaces({ preset: 'wild', seed: 0, classes: 'C7' });
let t = performance.now();
const faces = Array.from({ length: 2000 }, (_, i) => gen.sample('train', i, SIZE));
const facesPerSecond = 2000 / ((performance.now() - t) / 1000);
const ctx = createBuildContext({ registry, seed: 1, imageSize: SIZE, cacheDir });
const occlusionsPerSecond: Record<string, number> = {};
for (const ref of [{ type: 'objects' }, { type: 'block', options: { size: 16 } }, { type: 'natural' }]) {
  const occ = await ctx.build('occluder', ref);
  const rng = new Rng(1);
  t = performance.now();
  for (let i = 0; i < 5000; i++) occ.apply(faces[i % faces.length], SIZE, rng);
  occlusionsPerSecond[ref.type] = 5000 / ((performance.now() - t) / 1000);
}
const source = { length: faces.length, get: (i: number) => faces[i], skipped: [] };
const objects = await ctx.build('occluder', { type: 'objects' });
const plan = epochPlan(faces.length, BATCH, 0.5, new Rng(1));
t = performance.now();
let images = 0;
for (const items of plan) images += assembleBatch({ source, items, occluder: objects, size: SIZE, maskH: 32, maskW: 32, rng: new Rng(2) }).count;
const loaderImagesPerSecond = images / ((performance.now() - t) / 1000);
// Face alignment (detection + landmarks + crop) from 1350-px photos to 112-px crops, on wasm as runs do it.
const alignment = await alignmentRate(quick ? 8 : 16);

const versus = await versusPytorch({ rounds: quick ? 2 : 4 });

const fer = (backend: string, v: string) => training.find((r) => r.backend === backend && r.variant === v && r.kernels === 'fer-run')?.imagesPerSecond ?? null;
const ferWasm = (v: string) => fer('wasm', v)!;
/** The fastest backend here: the training rate the data loader has to keep up with. */
const fastest = fer('native', 'M_Res') ? 'native' : 'wasm';
const results = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, tfjs: tf.version.tfjs },
  setup: { network: 'resnet-mini (basic blocks, widths 16/32/64/128, ≈310k parameters)', imageSize: SIZE, batch: BATCH },
  training,
  inference,
  unavailable,
  ratios: {
    attAdvStepCostVsRes: ferWasm('M_Res') / ferWasm('M_ResAttAdv'),
    ...(fer('native', 'M_Res')
      ? {
          nativeAttAdvStepCostVsRes: fer('native', 'M_Res')! / fer('native', 'M_ResAttAdv')!,
          nativeVsWasm: fer('native', 'M_Res')! / ferWasm('M_Res'),
        }
      : {}),
  },
  data: { facesPerSecond, occlusionsPerSecond, loaderImagesPerSecond, loaderVsTraining: loaderImagesPerSecond / fer(fastest, 'M_Res')!, loaderComparedWith: `${fastest} M_Res training`, alignment },
  versusPytorch: versus,
};
writeJsonAtomic(join('reports', 'bench', 'results.json'), results);

const f = (x: number | null | undefined) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(`\nTraining images/s at ${SIZE}×${SIZE}, batch ${BATCH} (${results.machine.cpu}, ${results.machine.cores} cores)`);
console.log('backend  model         stock   fer-run  speed-up  tensors     RSS MiB');
for (const backend of backends) {
  if (unavailable[backend]) {
    console.log(`${backend.padEnd(8)} unavailable: ${unavailable[backend]}`);
    continue;
  }
  for (const variant of ['M_Res', 'M_ResAttAdv']) {
    const s = training.find((r) => r.backend === backend && r.variant === variant && r.kernels === 'stock')!;
    const o = training.find((r) => r.backend === backend && r.variant === variant && r.kernels === 'fer-run')!;
    const up = s.imagesPerSecond && o.imagesPerSecond ? `${(o.imagesPerSecond / s.imagesPerSecond).toFixed(0)}×` : '—';
    console.log(
      `${backend.padEnd(8)} ${variant.padEnd(12)} ${f(s.imagesPerSecond).padStart(6)}  ${f(o.imagesPerSecond).padStart(7)}  ${up.padStart(8)}  ${o.tensors?.join('→').padStart(9) ?? ''}  ${o.rssMiB?.join('→').padStart(9) ?? ''}${s.note ? `   stock: ${s.note}` : ''}`,
    );
  }
}
const r2 = results.ratios;
console.log(`M_ResAttAdv step costs ${r2.attAdvStepCostVsRes.toFixed(2)}× the M_Res step (wasm, fer-run kernels)`);
if (r2.nativeVsWasm) {
  console.log(
    `native: M_ResAttAdv step costs ${r2.nativeAttAdvStepCostVsRes!.toFixed(2)}× the M_Res step; M_Res trains ${r2.nativeVsWasm.toFixed(1)}× as fast as on wasm`,
  );
}
console.log(`Inference images/s: ${inference.map((r) => `${r.backend} ${r.variant} ${f(r.imagesPerSecond)}`).join(', ')}`);
console.log(`Synthetic faces: ${f(facesPerSecond)}/s (10,000 in ${(10000 / facesPerSecond).toFixed(1)} s)`);
console.log(`Occlusions/s: ${Object.entries(occlusionsPerSecond).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
console.log(`Face alignment: ${alignment.imagesPerSecond.toFixed(2)} photos/s from ${alignment.photoSide}-px photos to ${alignment.cropSide}-px crops (${alignment.aligned} of ${alignment.photos} faces found)`);
console.log(`Batch loader: ${f(loaderImagesPerSecond)} images/s = ${results.data.loaderVsTraining.toFixed(1)}× ${results.data.loaderComparedWith}`);
printVersus(versus);
console.log('wrote reports/bench/results.json');
