/**
 * Trains M_ResAttAdv for a few steps on the wasm backend in a process of its own, with the thread
 * count the environment asks for (OMP_NUM_THREADS), and prints the thread count in use, the
 * losses and the tensor counts as JSON. It never calls process.exit: the process must end by itself
 * (XNNPACK's pool threads would otherwise keep it alive). Argument: a TMPDIR to use.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../framework/engine/adam.js';
import { selectBackend } from '../../framework/engine/backend.js';
import { trainStep } from '../../framework/engine/train-step.js';
import { randomBatch, tinyModel } from './model.js';

// A temporary folder for fer-run but not for tsx (which caches there at start-up), to test the fallback.
if (process.argv[2]) process.env.TMPDIR = process.argv[2];
const info = await selectBackend('wasm');
const m = await tinyModel('M_ResAttAdv', 1, 16, 3);
const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
const batch = randomBatch(m, 8, 16, 3);
const step = () => trainStep(m, opt, batch, 1e-3, { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] });
const losses = [step(), step()];
const tensors = tf.memory().numTensors;
for (let i = 0; i < 10; i++) losses.push(step());
// Emscripten's worker pool (the threaded build's module only; tfjs's single-threaded one has none).
const pool = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: unknown[]; unusedWorkers: unknown[] } } }).wasm.PThread;
const workers = pool ? { running: pool.runningWorkers.length, idle: pool.unusedWorkers.length } : null;
process.stdout.write(JSON.stringify({ threads: info.threads, notice: info.notice, workers, losses, tensors: [tensors, tf.memory().numTensors] }));
