import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, RunError } from '../errors.js';
import type { HostBatch } from './batch.js';
import type { BatchFeed } from './epoch-batches.js';
import type { FromWorker, PrefetchInit, ToWorker } from './prefetch-protocol.js';

/** How many batches the worker may prepare ahead of the training loop. */
const AHEAD = 3;

/**
 * Starts the worker: the compiled .js next to this file, or, when fer-run runs from its TypeScript
 * sources under tsx, a small bootstrap that registers tsx in the worker thread before importing
 * the .ts worker (module hooks do not carry over to workers).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./prefetch-worker.js', here));
  // tsx's ESM entry of its register API (what its package.json maps "tsx/esm/api" to for import).
  const api = pathToFileURL(join(dirname(createRequire(fileURLToPath(here)).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const target = new URL('./prefetch-worker.ts', here).href;
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(target)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** The process's worker between cells (unref'd, so it never keeps the process alive), and the stream count. */
let idle: Worker | null = null;
let runs = 0;
let workersStarted = 0;

/** How many prefetch workers this process has started (tests: cells share one). */
export function prefetchWorkersStarted(): number {
  return workersStarted;
}

function newWorker(): Worker {
  const worker = startWorker();
  workersStarted++;
  // A worker that dies while idle is forgotten, not handed to the next cell (and its error is not thrown here).
  worker.on('error', () => undefined).on('exit', () => {
    if (idle === worker) idle = null;
  });
  return worker;
}

/**
 * Batches prepared ahead on a worker thread, so that the training loop (which holds the main
 * thread while a step runs) never waits for image reading, occlusion and packing. The worker is
 * kept for the next cell of the process: starting one and importing the plugins into it cost
 * about a second per cell, and it keeps the splits it opened.
 */
export function prefetchFeed(init: PrefetchInit): BatchFeed {
  const worker = idle ?? newWorker();
  idle = null;
  worker.ref();
  const run = ++runs;
  const queue: HostBatch[] = [];
  let waiting: { resolve: (b: HostBatch) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    waiting?.reject(e);
    waiting = null;
  };
  const onMessage = (m: FromWorker) => {
    if (m.run !== run) return; // the previous cell's batch, still in flight when it closed
    if (m.kind === 'error') return fail(m.input ? new InputError(m.message) : new RunError(`batch preparation failed: ${m.message}`));
    if (waiting) {
      waiting.resolve(m.batch);
      waiting = null;
    } else queue.push(m.batch);
  };
  const onError = (e: Error) => fail(new RunError(`batch preparation failed: ${e.message}`));
  worker.on('message', onMessage);
  worker.on('error', onError);
  const post = (m: ToWorker) => worker.postMessage(m);
  post({ kind: 'init', run, init });
  post({ kind: 'credit', run, n: AHEAD });
  return {
    next() {
      if (failure) return Promise.reject(failure);
      post({ kind: 'credit', run, n: 1 });
      const b = queue.shift();
      if (b) return Promise.resolve(b);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    async close() {
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (failure) {
        // A worker that failed is not trusted with the next cell.
        await worker.terminate();
        return;
      }
      post({ kind: 'stop', run });
      worker.unref();
      if (idle) await idle.terminate();
      idle = worker;
    },
  };
}
