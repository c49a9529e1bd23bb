import { parentPort } from 'node:worker_threads';
import type { LoadedPlugin } from '../plugin/contract.js';
import { importPlugin } from '../plugin/discovery.js';
import { createBuildContext } from '../plugin/build-context.js';
import { PluginRegistry } from '../plugin/registry.js';
import { FerError, InputError } from '../errors.js';
import type { SampleSource } from './dataset.js';
import { concatSources, subsetSource } from './concat-source.js';
import { EpochBatches } from './epoch-batches.js';
import { openSplit, pluginRefOf } from './subject-folds.js';
import type { FromWorker, PrefetchInit, ToWorker } from './prefetch-protocol.js';

/**
 * The batch-preparing worker thread: rebuilds the training data and occluder from their
 * references, then walks the epochs in order, posting each assembled batch (its buffers
 * transferred, not copied) as long as the training thread has granted credit.
 */
const port = parentPort!;
let credit = 0;
let wake: (() => void) | null = null;

async function run(init: PrefetchInit): Promise<void> {
  // The same files the training thread discovered (never a path from elsewhere), loaded and checked the same way.
  const loaded: LoadedPlugin[] = [];
  for (const file of init.pluginFiles) loaded.push(await importPlugin(file));
  const registry = new PluginRegistry(loaded);
  const dataCtx = createBuildContext({ registry, seed: 0, imageSize: init.imageSize, cacheDir: init.cacheDir });
  const sources: SampleSource[] = [];
  for (const ref of init.datasets) sources.push(await openSplit(await dataCtx.build('dataset', pluginRefOf(ref)), ref, init.split, init.imageSize));
  const source = subsetSource(concatSources(sources), init.indices);
  const ctx = createBuildContext({ registry, seed: init.seed, imageSize: init.imageSize, cacheDir: init.cacheDir });
  const occluder = init.occluder ? await ctx.build('occluder', init.occluder) : null;
  const batches = new EpochBatches(source, occluder, init);
  for (let epoch = init.startEpoch; epoch < init.epochs; epoch++) {
    let index = 0;
    for (const batch of batches.batches(epoch)) {
      while (credit <= 0) await new Promise<void>((r) => (wake = r));
      credit--;
      const msg: FromWorker = { kind: 'batch', epoch, index: index++, batch };
      port.postMessage(msg, [batch.images.buffer, batch.labels.buffer, batch.occluded.buffer, batch.masks.buffer] as ArrayBuffer[]);
    }
  }
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'credit') {
    credit += m.n;
    wake?.();
    wake = null;
  } else {
    run(m.init).catch((e: Error) => port.postMessage({ kind: 'error', message: e.message, input: e instanceof InputError || (e instanceof FerError && e.exitCode === 2) } satisfies FromWorker));
  }
});
