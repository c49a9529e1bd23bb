import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../runs/atomic.js';

/**
 * tfjs's wasm backend with XNNPACK's thread pool, under Node.
 *
 * tfjs-backend-wasm 4.22 never picks its threaded build in Node (its WASM_HAS_MULTITHREAD_SUPPORT
 * flag is false when IS_NODE), because its loader starts Emscripten's pthread workers from blob:
 * URLs, which Node's worker_threads reject (ERR_WORKER_PATH). Emscripten's runtime itself runs
 * pthreads on worker_threads; it only needs a worker script on disk and the main script's path.
 * This module gives it both and registers the module as the 'wasm' backend, with tfjs's own
 * BackendWasm class and kernels unchanged. Two more things need setting right:
 *  - tfjs sizes the pool as min(requested, logical cores / 2), assuming two hyper-threads per
 *    core: on a 2-vCPU machine that is one thread whatever is asked. The module's core count is
 *    answered as twice the requested threads, so the request is what counts.
 *  - Emscripten keeps a worker referenced while it runs a pthread, and XNNPACK's pool threads run
 *    until the pool is destroyed: the process would never exit. They are unreferenced once started.
 */

/** tfjs's threaded build starts 8 Emscripten workers, and tfjs caps XNNPACK's pool there. */
export const MAX_WASM_THREADS = 8;

interface EmscriptenWorker {
  unref(): void;
  terminate(): void;
}

interface WasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<WasmModule>;

interface WasmPackage {
  BackendWasm: new (module: WasmModule) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

const require = createRequire(import.meta.url);
const BUILD = 'tfjs-backend-wasm-threaded-simd';

/** Threads per process: OMP_NUM_THREADS when set (the parallel executor shares cores out through it), else every core. */
export function wasmThreadCount(): number {
  const env = Number(process.env.OMP_NUM_THREADS);
  const n = Number.isInteger(env) && env > 0 ? env : availableParallelism();
  return Math.min(MAX_WASM_THREADS, Math.max(1, n));
}

/**
 * Emscripten's pthread worker (shipped by tfjs as a string for a blob: URL) as a file. It is run
 * as a script: Emscripten's code expects `require` and `__filename` as globals. Written once per
 * content, atomically, so concurrent fer-run processes never see half a file.
 */
function workerScript(wasmOut: string): string {
  const { wasmWorkerContents } = require(join(wasmOut, `${BUILD}.worker.js`)) as { wasmWorkerContents: string };
  // tfjs escapes newlines the same way before making its Blob: the string has them unescaped inside literals.
  const body = `global.require = require; global.__filename = __filename;\n(0, eval)(${JSON.stringify(wasmWorkerContents.replace(/\n/g, '\\n'))});\n`;
  const file = join(tmpdir(), `fer-run-wasm-pthread-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) writeFileAtomic(file, body);
  return file;
}

async function threadedModule(threads: number): Promise<WasmModule> {
  const wasmOut = dirname(require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${BUILD}.js`));
  const mainScript = join(wasmOut, `${BUILD}.js`);
  const worker = workerScript(wasmOut);
  const factory = require(mainScript) as Factory;
  // Emscripten only logs a failed instantiation and waits on: race it so that it rejects instead.
  let failed!: (e: Error) => void;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const module = await Promise.race([
    factory({
      locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? worker : path.endsWith('.wasm') ? join(wasmOut, `${BUILD}.wasm`) : prefix + path),
      // What each worker evaluates to get the module factory (a path, not tfjs's Blob).
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm(info: { env: Record<string, unknown> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
        info.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(readFileSync(join(wasmOut, `${BUILD}.wasm`)), info as unknown as WebAssembly.Imports).then((r) => receive(r.instance, r.module), failed);
        return {};
      },
    }),
    failure,
  ]);
  // The bridge tfjs's own loader adds (backend_wasm.js init()).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Process-wide, not per module instance: a process can load this file twice (mocha's CommonJS
 * specs and the ES-module plugins), and a second registration would remove the live 'wasm'
 * backend, disposing it under every tensor on it (face-api's loaded nets among them: their next
 * detection read a null heap).
 */
const STATE = Symbol.for('fer-run/wasm-threads');
const state = ((globalThis as Record<symbol, unknown>)[STATE] ??= { registered: false, unavailable: null }) as { registered: boolean; unavailable: string | null };

/**
 * Registers the 'wasm' backend on the threaded build with `threads` XNNPACK threads (1 keeps
 * tfjs's own single-threaded registration). Call before tf.setBackend('wasm'). Should the
 * threaded module fail to load (say, no writable temporary folder for the worker script), the
 * backend starts as tfjs's single-threaded one and threadsUnavailable() says why.
 */
export async function registerThreadedWasm(threads: number): Promise<void> {
  const pkg = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  // Once only: a second registration would wrap this one as "stock" and drop a live backend.
  const stock = tf.findBackendFactory('wasm');
  if (threads <= 1 || !stock || state.registered) return;
  state.registered = true;
  pkg.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    try {
      const module = await threadedModule(threads);
      const backend = new pkg.BackendWasm(module); // creates XNNPACK's pool: the pthreads start here
      for (const w of module.PThread.runningWorkers) w.unref();
      // Emscripten starts 8 workers up front; the pool took threads − 1. The idle rest held ~90 MB
      // of RSS between them. (Nothing creates pthreads later; one would get a fresh worker.)
      for (const w of module.PThread.unusedWorkers) w.terminate();
      module.PThread.unusedWorkers.length = 0;
      return backend;
    } catch (e) {
      state.unavailable = (e as Error).message;
      pkg.setThreadsCount(1);
      return stock();
    }
  }, 2);
}

/** Why the threaded build did not load, when it did not. */
export function threadsUnavailable(): string | null {
  return state.unavailable;
}

/** XNNPACK's thread count of the active wasm backend. */
export function wasmThreadsInUse(): number {
  return (require('@tensorflow/tfjs-backend-wasm') as WasmPackage).getThreadsCount();
}
