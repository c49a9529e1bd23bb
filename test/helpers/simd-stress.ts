/**
 * Stress of fer-run's SIMD kernel pool on the wasm backend, in a process of its own with the
 * thread count the environment asks for (OMP_NUM_THREADS = 1: tfjs's single-threaded build and
 * kernels.wasm; 2: the threaded build, kernels-shared.wasm and one pool worker).
 *
 * Thousands of kernel calls (batch norm forward and backward with and without ReLU, convolution
 * filter gradients and strided input gradients, at shapes drawn from a seeded RNG) while wasm's
 * heap grows: before every round a tensor larger than any before is allocated and kept, and one
 * more is allocated between the forward and the backward pass, so calls touch memory that was
 * added moments earlier. Prints JSON: the thread count, the number of pool calls and heap
 * growths, a digest of every result, the tensor counts, and the worker faults the pool
 * recomputed. Argument: `inject` makes every 7th round's first kernel call fail on worker 1;
 * `trap` instead makes one call whose share on the last thread reads past the heap, and prints
 * the error it throws.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../framework/engine/backend.js';
import { batchNormTrain } from '../../framework/engine/kernels/batch-norm.js';
import { conv2d } from '../../framework/engine/kernels/conv2d.js';
import { simdKernels, simdWorkerFaults } from '../../framework/engine/kernels/simd/pool.js';
import { Rng } from '../../framework/engine/rng.js';

const ROUNDS = Number(process.env.SIMD_STRESS_ROUNDS ?? 600);
const inject = process.argv[2] === 'inject';
const info = await selectBackend('wasm');
const k = simdKernels()!;
const memory = () => (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory: WebAssembly.Memory } } }).wasm;
const heapBytes = () => (memory().wasmMemory ?? memory().asm!.memory).buffer.byteLength;

if (process.argv[2] === 'trap') {
  // bn_apply over 64 rows of 4 channels whose first half ends exactly at the heap's end: the
  // calling thread's rows are in bounds, the last thread's are not.
  const rows = 64;
  const x = heapBytes() - (rows / 2) * 4 * 4;
  const ab = k.scratch(4 * 8);
  let error = '';
  try {
    k.run('bn_apply', [x, ab, ab + 16, x, rows, 4, 0]);
  } catch (e) {
    error = (e as Error).message;
  }
  process.stdout.write(JSON.stringify({ threads: info.threads, error, faults: simdWorkerFaults() }));
  process.exit(0);
}

// Count pool calls by wrapping run (the kernels call it through the same object).
let calls = 0;
const run = k.run.bind(k);
k.run = (name, args) => {
  calls++;
  run(name, args);
};

const rng = new Rng(7);
const digest = createHash('sha256');
const add = (ts: tf.Tensor[]) => ts.forEach((t) => digest.update(Buffer.from((t.dataSync() as Float32Array).buffer)));
const uniform = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape);

// Tensors of growing size (allocated through the backend like any kernel output, never filled:
// only the heap's growth matters), kept until 1 GB is held, then the oldest is freed.
const growing: tf.TensorInfo[] = [];
let largest = 1 << 16;
let growths = 0;
const grow = () => {
  const before = heapBytes();
  largest = Math.min(Math.ceil(largest * 1.15), 32 << 20);
  if (growing.reduce((a, t) => a + tf.util.sizeFromShape(t.shape) * 4, 0) > 1e9) tf.backend().disposeData(growing.shift()!.dataId);
  growing.push(k.output([Math.ceil(largest / 4)]));
  if (heapBytes() !== before) growths++;
};

const startTensors = tf.memory().numTensors;
for (let round = 0; round < ROUNDS; round++) {
  grow();
  const n = 1 + rng.int(5);
  const hw = 3 + rng.int(10);
  const ci = 1 + rng.int(23);
  const co = 1 + rng.int(23);
  const kk = [1, 3, 5][rng.int(3)];
  const stride = 1 + rng.int(2);
  const relu = rng.int(2) === 1;
  const x = uniform([n, hw, hw, ci]) as tf.Tensor4D;
  const f = uniform([kk, kk, ci, co]) as tf.Tensor4D;
  const gamma = uniform([co]) as tf.Tensor1D;
  const beta = uniform([co]) as tf.Tensor1D;
  if (inject && round % 7 === 0 && info.threads && info.threads > 1) k.failNextOnWorker(1);
  const stats: tf.Tensor[] = [];
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, bt: tf.Tensor) => {
    const y = batchNormTrain(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), g as tf.Tensor1D, bt as tf.Tensor1D, (s) => stats.push(s.mean, s.variance), relu);
    grow(); // between the forward and the backward pass
    return tf.sum(tf.mul(y, y));
  })([x, f, gamma, beta]);
  add([...stats, ...grads]);
  tf.dispose([x, f, gamma, beta, ...stats, ...grads]);
}
const endTensors = tf.memory().numTensors;
process.stdout.write(
  JSON.stringify({
    threads: info.threads,
    calls,
    growths,
    heapBytes: heapBytes(),
    digest: digest.digest('hex'),
    tensors: [startTensors, endTensors],
    faults: simdWorkerFaults(),
  }),
);
