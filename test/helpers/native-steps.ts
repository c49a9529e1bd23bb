/**
 * Runs M_ResAttAdv training steps on the native backend in a process of its own (so RSS is this
 * loop's alone, not the test runner's) and prints memory figures as JSON after a warm-up and after
 * `steps` more. Run with --expose-gc: each reading follows a full collection.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../framework/engine/adam.js';
import { selectBackend } from '../../framework/engine/backend.js';
import type { NativeBackend } from '../../framework/engine/native/native-backend.js';
import { trainStep } from '../../framework/engine/train-step.js';
import { randomBatch, tinyModel } from './model.js';

const steps = Number(process.argv[2] ?? 200);
await selectBackend('native');
const m = await tinyModel('M_ResAttAdv', 1, 16, 3);
const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
const batch = randomBatch(m, 8, 16, 3);
const step = () => trainStep(m, opt, batch, 1e-3, { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] });
const gc = (globalThis as { gc?: () => void }).gc;
const reading = async () => {
  // V8 frees array-buffer backing stores on a background sweeper after a collection: the figure
  // read straight after gc() sometimes still counts buffers freed by it (5.9 MiB in 1 of 4 runs
  // here). A second collection after a turn of the event loop finds the sweep done.
  gc?.();
  await new Promise((r) => setTimeout(r, 20));
  gc?.();
  const mem = process.memoryUsage();
  return { tensors: tf.memory().numTensors, allocations: (tf.backend() as unknown as NativeBackend).book.allocations, rss: mem.rss, arrayBuffers: mem.arrayBuffers, heapUsed: mem.heapUsed };
};
for (let i = 0; i < 200; i++) step(); // warm-up: V8's heap spaces, oneDNN's primitive cache and scratchpads, and the buffer pool settle (RSS rises for ~150 steps)
const before = await reading();
for (let i = 0; i < steps; i++) step();
process.stdout.write(JSON.stringify({ before, after: await reading() }));
