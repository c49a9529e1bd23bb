import { strict as assert } from 'node:assert';
import { DataCache } from '../../framework/data/data-cache.js';
import type { SampleSource } from '../../framework/data/dataset.js';
import { definePlugin } from '../../framework/index.js';
import { PluginRegistry } from '../../framework/plugin/registry.js';

/** A one-split dataset whose first `failures` opens fail (a disk that hiccups), counting every open. */
function flakyRegistry(failures: number): { registry: PluginRegistry; opens: () => number } {
  let opens = 0;
  const source: SampleSource = { length: 1, get: () => ({ id: 'a', image: new Uint8Array(3), label: 0 }), skipped: [] };
  const definition = definePlugin({
    kind: 'dataset',
    name: 'flaky',
    description: 'test dataset',
    optionsSchema: { type: 'object', properties: {}, additionalProperties: false },
    create: () => ({
      title: 'flaky',
      synthetic: true,
      classes: ['happy'],
      splits: ['train'],
      open: async () => {
        if (opens++ < failures) throw new Error('read error');
        return source;
      },
    }),
  });
  return { registry: new PluginRegistry([{ definition, file: 'test' }]), opens: () => opens };
}

describe('DataCache', () => {
  const ref = { type: 'flaky', options: {} };

  it('opens a split once for all the cells that use it', async () => {
    const { registry, opens } = flakyRegistry(0);
    const cache = new DataCache(registry, '/nonexistent', () => {});
    const [a, b] = await Promise.all([cache.open(ref, 'train', 8), cache.open(ref, 'train', 8)]);
    assert.equal(a, b);
    await cache.open(ref, 'train', 8);
    assert.equal(opens(), 1);
  });

  it('does not keep a failed open: the next cell opens the split again', async () => {
    const { registry, opens } = flakyRegistry(1);
    const cache = new DataCache(registry, '/nonexistent', () => {});
    await assert.rejects(cache.open(ref, 'train', 8), /read error/);
    const s = await cache.open(ref, 'train', 8);
    assert.equal(s.length, 1);
    assert.equal(opens(), 2);
  });

  it('names the splits a dataset has when asked for another', async () => {
    const cache = new DataCache(flakyRegistry(0).registry, '/nonexistent', () => {});
    await assert.rejects(cache.open(ref, 'test', 8), /dataset "flaky" has no split "test"; its splits are train/);
  });
});
