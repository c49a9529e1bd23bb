/**
 * One fer-run training set-up (backbone, image size, backend; the variants M_Res and
 * M_ResAttAdv, batch 32, Adam with weight decay 1e-4) serving measuring rounds on stdin, for
 * bench/versus-pytorch.ts: "warmup" (steps that fill Adam's moments, buffer pools and oneDNN's
 * primitive cache), "round" (each variant's images/s over a few steps), "end" (peak RSS and the
 * tensor counts, then exit). One JSON line answers each command.
 *
 *   node --import tsx bench/train-rounds.ts <backbone> <size> <backend> [steps per round] [variants, comma-separated] [warm-up steps]
 */
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { loadRegistry } from '../framework/cli/session.js';
import type { ModelSpec } from '../framework/config/manifest.js';
import { Adam } from '../framework/engine/adam.js';
import { selectBackend } from '../framework/engine/backend.js';
import type { BackendChoice } from '../framework/engine/backends.js';
import { buildModel } from '../framework/engine/build-model.js';
import { trainStep, type BatchTensors } from '../framework/engine/train-step.js';
import { createBuildContext } from '../framework/plugin/build-context.js';

const [backbone, sizeArg, backendArg, stepsArg, variantsArg, warmupArg] = process.argv.slice(2);
const SIZE = Number(sizeArg);
const STEPS = Number(stepsArg ?? 3);
const BATCH = 32;
const VARIANTS = (variantsArg ?? 'M_Res,M_ResAttAdv').split(',') as ('M_Res' | 'M_ResAttAdv')[];
const WARMUP = Number(warmupArg ?? 2);

const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const info = await selectBackend(backendArg as BackendChoice);
const registry = await loadRegistry();

async function setup(variant: 'M_Res' | 'M_ResAttAdv') {
  const att = variant === 'M_ResAttAdv';
  const spec: ModelSpec = {
    backbone: { type: backbone },
    attention: att ? { type: 'occlusion-mask' } : { type: 'none' },
    discriminator: att ? { type: 'mlp' } : { type: 'none' },
    classifierHidden: [],
    lambda1: 0.1,
    lambda2: 0.1,
  } as ModelSpec;
  const m = await buildModel(spec, createBuildContext({ registry, seed: 1, imageSize: SIZE, cacheDir: '.cache/fer-run' }), 7);
  const [h, w] = m.backbone.lowShape;
  const batch: BatchTensors = tf.tidy(() => ({
    images: tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 255, 'float32', 1) as tf.Tensor4D,
    labels: tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 7)),
    occluded: tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2)),
    masks: tf.tensor4d(Float32Array.from({ length: BATCH * h * w }, (_, i) => (Math.sin(i * 12.9898) > 0 ? 1 : 0)), [BATCH, h, w, 1]),
  }));
  const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
  return { variant, step: () => void trainStep(m, opt, batch, 1e-3, { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] }) };
}

const setups = await Promise.all(VARIANTS.map(setup));
say({ ready: true, backend: info.name, threads: info.threads ?? null });
let tensors = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'warmup') {
    for (const s of setups) for (let i = 0; i < WARMUP; i++) s.step();
    tensors = tf.memory().numTensors;
    say({ warm: true });
  } else if (cmd === 'round') {
    const rates: Record<string, number> = {};
    for (const s of setups) {
      const t = performance.now();
      for (let i = 0; i < STEPS; i++) s.step();
      rates[s.variant] = (BATCH * STEPS * 1000) / (performance.now() - t);
    }
    say({ imagesPerSecond: rates });
  } else if (cmd === 'end') {
    say({ peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), tensors: [tensors, tf.memory().numTensors] });
    process.exit(0);
  }
}
