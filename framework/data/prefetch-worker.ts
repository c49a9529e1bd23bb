import { parentPort } from 'node:worker_threads';
import type { LoadedPlugin } from '../plugin/contract.js';
import { importPlugin } from '../plugin/discovery.js';
import { createBuildContext } from '../plugin/build-context.js';
import { PluginRegistry } from '../plugin/registry.js';
import { FerError, InputError } from '../errors.js';
import { DataCache } from './data-cache.js';
import { concatSources, subsetSource } from './concat-source.js';
import { EpochBatches } from './epoch-batches.js';
import type { FromWorker, PrefetchInit, ToWorker } from './prefetch-protocol.js';

/**
 * The batch-preparing worker thread: rebuilds the training data and occluder from their
 * references, then walks the epochs in order, posting each assembled batch (its buffers
 * transferred, not copied) as long as the training thread has granted credit. It lives as long
 * as its process and serves one cell's stream after another, keeping the plugins it imported and
 * the splits it opened, as the training thread's DataCache does: the cells of a run share them.
 */
const port = parentPort!;
/** The stream being served; a stream whose number is no longer current stops at its next batch. */
let current = -1;
let credit = 0;
let wake: (() => void) | null = null;
const caches = new Map<string, Promise<DataCache>>();

/** The worker's DataCache for the plugin files and cache directory the training thread uses. */
function dataCacheOf(init: PrefetchInit): Promise<DataCache> {
  const key = JSON.stringify([init.pluginFiles, init.cacheDir]);
  let c = caches.get(key);
  if (!c) {
    // The same files the training thread discovered (never a path from elsewhere), loaded and checked the same way.
    c = (async () => {
      const loaded: LoadedPlugin[] = [];
      for (const file of init.pluginFiles) loaded.push(await importPlugin(file));
      // Silent: the training thread has already logged preparing these splits.
      return new DataCache(new PluginRegistry(loaded), init.cacheDir, () => {});
    })();
    c.catch(() => caches.delete(key));
    caches.set(key, c);
  }
  return c;
}

async function serve(run: number, init: PrefetchInit): Promise<void> {
  const data = await dataCacheOf(init);
  const splits = await Promise.all(init.datasets.map((ref) => data.open(ref, init.split, init.imageSize)));
  const source = subsetSource(concatSources(splits), init.indices);
  const ctx = createBuildContext({ registry: data.registry, seed: init.seed, imageSize: init.imageSize, cacheDir: init.cacheDir });
  const occluder = init.occluder ? await ctx.build('occluder', init.occluder) : null;
  const batches = new EpochBatches(source, occluder, init);
  for (let epoch = init.startEpoch; epoch < init.epochs; epoch++) {
    let index = 0;
    for (const batch of batches.batches(epoch)) {
      while (run === current && credit <= 0) await new Promise<void>((r) => (wake = r));
      if (run !== current) return;
      credit--;
      const msg: FromWorker = { kind: 'batch', run, epoch, index: index++, batch };
      port.postMessage(msg, [batch.images.buffer, batch.labels.buffer, batch.occluded.buffer, batch.masks.buffer] as ArrayBuffer[]);
    }
  }
}

function wakeUp(): void {
  wake?.();
  wake = null;
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'init') {
    current = m.run;
    credit = 0;
    wakeUp();
    serve(m.run, m.init).catch((e: Error) => port.postMessage({ kind: 'error', run: m.run, message: e.message, input: e instanceof InputError || (e instanceof FerError && e.exitCode === 2) } satisfies FromWorker));
  } else if (m.run === current) {
    if (m.kind === 'credit') credit += m.n;
    else current = -1;
    wakeUp();
  }
});
