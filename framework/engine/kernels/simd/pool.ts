import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { wasmThreadsInUse } from '../../wasm-threads.js';

/**
 * fer-run's own SIMD kernels (kernels.c, compiled to kernels.wasm) instantiated on tfjs's wasm
 * heap, so that they read and write tensors in place, and run on as many threads as XNNPACK's
 * pool: the calling thread plus threads − 1 workers, each with its own instance of the module on
 * the same shared memory. A call is a barrier: the arguments go into a small shared control
 * block, the workers are woken through Atomics, every thread runs the kernel with its index,
 * and run() returns when all have finished. On tfjs's single-threaded build (unshared memory)
 * the same kernels run on the calling thread alone, so both builds compute the same numbers.
 */

/**
 * kernels.c built for a shared memory (tfjs's threaded build) and for an unshared one (its
 * single-threaded build), next to this module: in the sources, and in dist/ where the build copies them.
 */
export const KERNELS_WASM = { shared: fileURLToPath(new URL('./kernels-shared.wasm', import.meta.url)), unshared: fileURLToPath(new URL('./kernels.wasm', import.meta.url)) };

/** What fer-run uses of tfjs-backend-wasm's BackendWasm and its Emscripten module. */
interface WasmBackendInternals {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

export interface SimdKernels {
  /** The module's exports, for single-threaded calls (pass thread 0 of 1). */
  readonly exports: Record<string, (...args: number[]) => number>;
  /** Runs export `name` on every thread with args followed by (thread, threads). */
  run(name: string, args: number[]): void;
  /** A new float32 tensor of the backend, for a kernel's output. */
  output(shape: number[]): tf.TensorInfo;
  /** Where a tensor's data lives on the heap. */
  address(t: tf.TensorInfo): number;
  /** A heap buffer of at least `bytes`, reused from call to call (valid until the next request). */
  scratch(bytes: number): number;
  /** `values` written to a small reused heap block; returns its address. */
  ints(values: number[]): number;
  /** The heap's floats at [address, address + 4·length): valid until the heap next grows (any allocation). */
  floats(address: number, length: number): Float32Array;
  /** Fault injection, for tests: worker `thread`'s share of the next call throws instead of running. */
  failNextOnWorker(thread: number): void;
}

// Control block: [SEQ] bumped per call, [DONE] workers finished, [FN] export index, [FAILED] one
// bit per worker whose share threw (its error follows on its message port), [INJECT] one bit per
// worker whose next share is to throw (tests), [ARGS...] the call's arguments.
const SEQ = 0;
const DONE = 1;
const FN = 2;
const FAILED = 3;
const INJECT = 4;
const ARGS = 5;
const MAX_ARGS = 12;
/** The integer-argument block: a convolution's shape, or a tap table (at most (k + s)² entries). */
const INTS_BYTES = 1024;
/**
 * How long a thread polls the control block before sleeping on it: waking a thread from
 * Atomics.wait costs ~0.15 ms on this VM, as much as a batch-norm pass, and calls come in quick
 * runs (a batch norm is three). Longer polls would take the core from XNNPACK's threads.
 */
const SPIN_MS = 0.05;
/** A worker that has not answered in this long is taken as gone (a kernel takes milliseconds). */
const WAIT_MS = 60_000;

/**
 * Each worker: instantiate the module on the shared memory, then wait for calls, forever. A share
 * that throws is reported on the worker's port (message, heap size) before the worker counts itself
 * done, so the caller finds the message as soon as the barrier is passed.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names, index, port } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => exports[n]);
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  for (const end = performance.now() + ${SPIN_MS}; Atomics.load(ctl, ${SEQ}) === seen && performance.now() < end; );
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  try {
    const args = Array.from(ctl.subarray(${ARGS}, ${ARGS} + ${MAX_ARGS}));
    const fn = fns[ctl[${FN}]];
    if (Atomics.and(ctl, ${INJECT}, ~(1 << index)) & (1 << index)) throw new Error('injected fault');
    fn(...args.slice(0, fn.length - 2), index, ctl[${ARGS} + ${MAX_ARGS}]);
  } catch (e) {
    port.postMessage({ message: String(e && e.message || e), heapBytes: memory.buffer.byteLength });
    Atomics.or(ctl, ${FAILED}, 1 << index);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

/** A worker's share of a kernel call that threw: what it said, and whether the calling thread's recomputation of it succeeded. */
export interface WorkerFault {
  kernel: string;
  thread: number;
  message: string;
  /** The heap's size as the worker saw it, and as the calling thread sees it. */
  workerHeapBytes: number;
  heapBytes: number;
  recomputed: boolean;
}

// Process-wide, like the pool itself (see POOL_KEY below): a fault of the one pool reaches every listener.
const FAULTS_KEY = Symbol.for('fer-run.simdWorkerFaults');
const faultState = ((globalThis as { [FAULTS_KEY]?: { faults: WorkerFault[]; listeners: Set<(f: WorkerFault) => void> } })[FAULTS_KEY] ??= { faults: [], listeners: new Set() });
const faults = faultState.faults;
const faultListeners = faultState.listeners;

/** Every worker fault of this process so far (the run record counts those of its cell). */
export function simdWorkerFaults(): readonly WorkerFault[] {
  return faults;
}

/** Calls `listener` on each worker fault as it happens; returns the unsubscribe. */
export function onSimdWorkerFault(listener: (f: WorkerFault) => void): () => void {
  faultListeners.add(listener);
  return () => faultListeners.delete(listener);
}

/** The real error of a worker's share, read from its port (posted before it counted itself done). */
function workerError(port: MessagePort): { message: string; heapBytes: number } {
  const m = receiveMessageOnPort(port)?.message as { message: string; heapBytes: number } | undefined;
  return m ?? { message: '(the worker posted no error)', heapBytes: -1 };
}

function create(backend: WasmBackendInternals, memory: WebAssembly.Memory): SimdKernels {
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const threads = shared ? wasmThreadsInUse() : 1;
  const module = new WebAssembly.Module(readFileSync(shared ? KERNELS_WASM.shared : KERNELS_WASM.unshared));
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
  const names = Object.keys(exports).filter((n) => typeof exports[n] === 'function');
  const widest = Math.max(...names.map((n) => exports[n].length - 2));
  if (widest > MAX_ARGS) throw new Error(`fer-run's SIMD kernels: a kernel takes ${widest} arguments, the control block holds ${MAX_ARGS}`);
  // The thread count sits after the arguments, where every worker finds it.
  const control = new SharedArrayBuffer(4 * (ARGS + MAX_ARGS + 1));
  const ctl = new Int32Array(control);
  ctl[ARGS + MAX_ARGS] = threads;
  const ports: MessagePort[] = [];
  for (let index = 1; index < threads; index++) {
    const { port1, port2 } = new MessageChannel();
    ports[index] = port1;
    // Unreferenced: a worker waiting for work (or its port) must not keep the process alive.
    new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, names, index, port: port2 }, transferList: [port2] }).unref();
    port1.unref();
  }
  const ints = backend.wasm._malloc(INTS_BYTES);
  let scratch = 0;
  let scratchBytes = 0;
  return {
    exports,
    run(name, args) {
      const fn = exports[name];
      // Arguments beyond the kernel's would shift (thread, threads) out of place.
      if (args.length !== fn.length - 2) throw new Error(`fer-run's SIMD kernel ${name} takes ${fn.length - 2} arguments, not ${args.length}`);
      if (threads === 1) {
        fn(...args, 0, 1);
        return;
      }
      ctl[FN] = names.indexOf(name);
      ctl.set(args, ARGS);
      Atomics.store(ctl, DONE, 0);
      Atomics.add(ctl, SEQ, 1);
      Atomics.notify(ctl, SEQ);
      // Even when this thread's share throws, the workers are waited for: one still counting
      // itself done into the next call would end that call's barrier early.
      let error: unknown = null;
      try {
        fn(...args, 0, threads);
      } catch (e) {
        error = e;
      }
      for (const end = performance.now() + SPIN_MS; Atomics.load(ctl, DONE) < threads - 1 && performance.now() < end; );
      for (let done = Atomics.load(ctl, DONE); done < threads - 1; done = Atomics.load(ctl, DONE)) {
        if (Atomics.wait(ctl, DONE, done, WAIT_MS) === 'timed-out') throw new Error(`fer-run's SIMD kernel ${name}: a worker thread did not answer in ${WAIT_MS / 1000} s`);
      }
      const failed = Atomics.exchange(ctl, FAILED, 0);
      const workerFaults = ports.flatMap((port, index) => (failed & (1 << index) ? [{ index, ...workerError(port) }] : []));
      if (error) throw error;
      for (const { index, message, heapBytes: workerHeapBytes } of workerFaults) {
        // Every kernel writes its share of the outputs from its inputs alone (no accumulation into
        // them), and the shares are fixed by (thread, threads): recomputing a worker's share here
        // gives the bits it would have written.
        const fault: WorkerFault = { kernel: name, thread: index, message, workerHeapBytes, heapBytes: memory.buffer.byteLength, recomputed: false };
        try {
          fn(...args, index, threads);
          fault.recomputed = true;
        } catch (e) {
          throw new Error(`fer-run's SIMD kernel ${name} failed on worker thread ${index} of ${threads} (${message}), and again on the calling thread (${(e as Error).message})`);
        } finally {
          faults.push(fault);
          for (const l of faultListeners) l(fault);
        }
      }
    },
    output: (shape) => backend.makeOutput(shape, 'float32'),
    address: (t) => backend.dataIdMap.get(t.dataId).memoryOffset,
    scratch(bytes) {
      if (bytes > scratchBytes) {
        if (scratch) backend.wasm._free(scratch);
        scratchBytes = Math.max(bytes, 2 * scratchBytes);
        scratch = backend.wasm._malloc(scratchBytes);
      }
      return scratch;
    },
    ints(values) {
      if (4 * values.length > INTS_BYTES) throw new Error(`fer-run's SIMD kernels: ${values.length} integers do not fit the ${INTS_BYTES / 4} of the argument block`);
      new Int32Array(memory.buffer, ints, values.length).set(values);
      return ints;
    },
    floats: (address, length) => new Float32Array(memory.buffer, address, length),
    failNextOnWorker(thread) {
      if (thread < 1 || thread >= threads) throw new Error(`fer-run's SIMD kernels run ${threads} thread(s): there is no worker ${thread}`);
      Atomics.or(ctl, INJECT, 1 << thread);
    },
  };
}

/**
 * One pool per wasm backend per process, even when this module is loaded twice (the same file
 * imported as CommonJS by one part of a program and as an ES module by another, or two copies of
 * fer-run): two pools would be two sets of workers on one heap, and two kernel registrations.
 */
const POOL_KEY = Symbol.for('fer-run.simdKernels');
const shared = globalThis as { [POOL_KEY]?: { backend: object; kernels: SimdKernels | null } };

/** The kernels on the active wasm backend, or null on other backends. */
export function simdKernels(): SimdKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  if (shared[POOL_KEY]?.backend !== backend) {
    // The threaded build hands its memory to the module (wasmMemory); the single-threaded one exports it.
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    shared[POOL_KEY] = { backend, kernels: memory ? create(backend, memory) : null };
  }
  return shared[POOL_KEY]!.kernels;
}
