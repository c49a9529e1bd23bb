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

/**
 * Batches prepared ahead on a worker thread, so that the training loop (which holds the main
 * thread while a step runs) never waits for image reading, occlusion and packing.
 */
export function prefetchFeed(init: PrefetchInit): BatchFeed {
  const worker = startWorker();
  const queue: HostBatch[] = [];
  let waiting: { resolve: (b: HostBatch) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    waiting?.reject(e);
    waiting = null;
  };
  worker.on('message', (m: FromWorker) => {
    if (m.kind === 'error') return fail(m.input ? new InputError(m.message) : new RunError(`batch preparation failed: ${m.message}`));
    if (waiting) {
      waiting.resolve(m.batch);
      waiting = null;
    } else queue.push(m.batch);
  });
  worker.on('error', (e) => fail(new RunError(`batch preparation failed: ${e.message}`)));
  worker.postMessage({ kind: 'init', init } satisfies ToWorker);
  worker.postMessage({ kind: 'credit', n: AHEAD } satisfies ToWorker);
  return {
    next() {
      if (failure) return Promise.reject(failure);
      worker.postMessage({ kind: 'credit', n: 1 } satisfies ToWorker);
      const b = queue.shift();
      if (b) return Promise.resolve(b);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    async close() {
      await worker.terminate();
    },
  };
}
