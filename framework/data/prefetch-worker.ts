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
 * transferred, not copied) as long as the training thread has granted credit. It lives as long
 * as its process and serves one cell's stream after another, keeping the plugins it imported and
 * the splits it opened, as the training thread's DataCache does: the cells of a run share them.
 */
const port = parentPort!;
/** The stream being served; a stream whose number is no longer current stops at its next batch. */
let current = -1;
let credit = 0;
let wake: (() => void) | null = null;
const registries = new Map<string, Promise<PluginRegistry>>();
const splits = new Map<string, Promise<SampleSource>>();

function registryOf(files: string[]): Promise<PluginRegistry> {
  const key = JSON.stringify(files);
  let r = registries.get(key);
  if (!r) {
    // The same files the training thread discovered (never a path from elsewhere), loaded and checked the same way.
    r = (async () => {
      const loaded: LoadedPlugin[] = [];
      for (const file of files) loaded.push(await importPlugin(file));
      return new PluginRegistry(loaded);
    })();
    registries.set(key, r);
  }
  return r;
}

function trainingSource(init: PrefetchInit, registry: PluginRegistry): Promise<SampleSource> {
  const key = JSON.stringify([init.pluginFiles, init.datasets, init.split, init.imageSize, init.cacheDir]);
  let s = splits.get(key);
  if (!s) {
    s = (async () => {
      const dataCtx = createBuildContext({ registry, seed: 0, imageSize: init.imageSize, cacheDir: init.cacheDir });
      const sources: SampleSource[] = [];
      for (const ref of init.datasets) sources.push(await openSplit(await dataCtx.build('dataset', pluginRefOf(ref)), ref, init.split, init.imageSize));
      return concatSources(sources);
    })();
    // A failed open is not kept: the next cell tries again and reports its own error.
    s.catch(() => splits.delete(key));
    splits.set(key, s);
  }
  return s;
}

async function serve(run: number, init: PrefetchInit): Promise<void> {
  const registry = await registryOf(init.pluginFiles);
  const source = subsetSource(await trainingSource(init, registry), init.indices);
  const ctx = createBuildContext({ registry, seed: init.seed, imageSize: init.imageSize, cacheDir: init.cacheDir });
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
