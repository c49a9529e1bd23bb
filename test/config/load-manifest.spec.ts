import assert from 'node:assert/strict';
import { loadManifest } from '../../framework/config/load-manifest.js';
import { substituteEnv } from '../../framework/config/env-substitution.js';
import { lineColumn } from '../../framework/config/json-file.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('manifest loading', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('merges one level of extends: objects key by key, arrays replaced', () => {
    tmp.write('base.json', { ...tinyManifest(), seeds: [1, 2, 3], model: { lambda1: 0.5, lambda2: 0.2 } });
    const top = tmp.write('top.json', { extends: 'base.json', name: 'child', seeds: [7], model: { lambda1: 0.9 } });
    const { raw } = loadManifest(top);
    assert.equal(raw.name, 'child');
    assert.equal(raw.title, 'Tiny');
    assert.deepEqual(raw.seeds, [7]);
    assert.deepEqual(raw.model, { lambda1: 0.9, lambda2: 0.2 });
    assert.equal(raw.extends, undefined);
  });

  it('applies --set overrides after extends, values parsed as JSON else kept as strings', () => {
    const f = tmp.write('set.json', tinyManifest());
    const { raw } = loadManifest(f, { sets: ['trainings.lab.epochs=3', 'title=Hello world', 'seeds=[4,5]', 'model.attention={"type":"none"}'] });
    assert.equal((raw.trainings as any).lab.epochs, 3);
    assert.equal(raw.title, 'Hello world');
    assert.deepEqual(raw.seeds, [4, 5]);
    assert.deepEqual((raw.model as any).attention, { type: 'none' });
  });

  it('substitutes ${VAR} and ${VAR:-default} inside strings', () => {
    const env = { FER_DATA: '/data' };
    assert.deepEqual(substituteEnv({ root: '${FER_DATA}/CK+', other: ['${MISSING:-/fallback}/x', 3] }, 'm.json', env), {
      root: '/data/CK+',
      other: ['/fallback/x', 3],
    });
  });

  it('resolves the manifest\'s plugin directories relative to the manifest file', () => {
    const f = tmp.write('sub/dir/m.json', { ...tinyManifest(), plugins: ['../my-plugins'] });
    const { pluginDirs } = loadManifest(f);
    assert.deepEqual(pluginDirs, [tmp.dir + '/sub/my-plugins']);
  });

  it('reads a manifest saved with a byte-order mark (as Windows editors write UTF-8)', async () => {
    const f = tmp.write('bom.json', `\ufeff${JSON.stringify(tinyManifest({ name: 'with-bom' }))}`);
    assert.equal(loadManifest(f).raw.name, 'with-bom');
    const r = await cli('validate', f);
    assert.equal(r.code, 0, r.stderr);
  });

  it('computes line and column of a JSON syntax error', () => {
    assert.deepEqual(lineColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
  });

  it('print-config writes every default out, including derived plugin options and rows\' resolved set values', async () => {
    const f = tmp.write('print.json', tinyManifest());
    const r = await cli('print-config', f);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    assert.equal(m.backend, 'auto');
    assert.equal(m.optimizer.weightDecay, 0.0001);
    assert.equal(m.optimizer.schedule.period, 30);
    assert.equal(m.model.lambda1, 0.1);
    assert.equal(m.trainings.lab.mix, 0.5);
    assert.deepEqual(m.model.backbone.options, { block: 'basic', blocks: [1, 1, 1, 1], widths: [4, 8, 8, 16], stemStride: 2 });
    // block: 16 px at the 100-px reference → 5 px at imageSize 32, recorded in the resolved manifest.
    assert.equal(m.columns[0].evals[0].occluder.options.pixels, 5);
    assert.deepEqual(m.rows[0].set['model.attention'], { type: 'none', options: {} });
  });
});
