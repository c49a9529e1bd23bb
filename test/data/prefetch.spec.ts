import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subsetSource } from '../../framework/data/concat-source.js';
import { EpochBatches, inlineFeed } from '../../framework/data/epoch-batches.js';
import { openSplit } from '../../framework/data/subject-folds.js';
import { prefetchFeed, prefetchWorkersStarted } from '../../framework/data/prefetch.js';
import type { PrefetchInit } from '../../framework/data/prefetch-protocol.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import { discoverPlugins } from '../../framework/plugin/discovery.js';
import { PluginRegistry } from '../../framework/plugin/registry.js';

describe('prefetch worker', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'fer-run-prefetch-'));
  after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const dataset = { type: 'synthetic-faces', options: { preset: 'lab', train: 40, test: 10 } };
  const occluder = { type: 'objects' };
  const base = { datasets: [dataset], split: 'train', occluder, imageSize: 32, cacheDir, batchSize: 16, mix: 0.5, maskH: 16, maskW: 16, startEpoch: 0, epochs: 2 };

  /** The batches of all of epoch 0 and the first of epoch 1, assembled inline on this thread. */
  async function inlineBatches(seed: number, indices: number[]) {
    const registry = new PluginRegistry(await discoverPlugins());
    const ctx = createBuildContext({ registry, seed, imageSize: 32, cacheDir });
    const source = await openSplit(await ctx.build('dataset', dataset), dataset, 'train', 32);
    const batches = new EpochBatches(subsetSource(source, indices), await ctx.build('occluder', occluder), { ...base, seed });
    const feed = inlineFeed(batches);
    const perEpoch = batches.plan(0).length;
    const out = [];
    for (let i = 0; i <= perEpoch; i++) out.push({ epoch: i < perEpoch ? 0 : 1, batch: await feed.next(i < perEpoch ? 0 : 1) });
    return out;
  }

  it('serves one cell after another from one worker, dropping the batches a closed stream left in flight', async () => {
    const pluginFiles = (await discoverPlugins()).map((p) => p.file);
    const all = Array.from({ length: 40 }, (_, i) => i);
    const before = prefetchWorkersStarted();
    // Cell 1 stops after one batch, with more batches granted ahead (in flight) when it closes.
    const first = prefetchFeed({ ...base, pluginFiles, seed: 1, indices: all } as PrefetchInit);
    await first.next(0);
    await first.close();
    // Cell 2 (another seed and subset) must see exactly its own stream, from the start.
    const indices = all.filter((i) => i % 3 !== 0);
    const second = prefetchFeed({ ...base, pluginFiles, seed: 2, indices } as PrefetchInit);
    const want = await inlineBatches(2, indices);
    const got = [];
    for (const w of want) got.push(await second.next(w.epoch));
    await second.close();
    assert.equal(prefetchWorkersStarted() - before, 1, 'the second cell reuses the first cell\'s worker');
    got.forEach((b, i) => {
      assert.deepEqual(b.ids, want[i].batch.ids, `batch ${i}`);
      assert.deepEqual(b.images, want[i].batch.images, `batch ${i} pixels`);
      assert.deepEqual(b.masks, want[i].batch.masks, `batch ${i} masks`);
    });
  });
});
