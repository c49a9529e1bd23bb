import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadManifest } from '../../framework/config/load-manifest.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('the committed manifests', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const all = ['table1', 'table2', 'table3', 'synthetic/table1', 'synthetic/table2', 'synthetic/table3', 'examples/own-photos'];

  for (const name of all) {
    it(`experiments/${name}.json validates`, async () => {
      const r = await cli('validate', `experiments/${name}.json`);
      assert.equal(r.code, 0, r.stderr);
    });
  }

  // Their rows are λ settings, φ sizes and epoch budgets, not the four variants.
  for (const name of ['sensitivity', 'phi-capacity', 'convergence', 'convergence-lab']) {
    it(`experiments/synthetic/${name}.json validates (its rows are its own settings, not the four variants), every row one whole cosine period`, async () => {
      const r = await cli('validate', `experiments/synthetic/${name}.json`);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /warning/);
    });
  }

  it('the four variants are defined once, in experiments/variants.json, which every committed manifest extends', () => {
    const base = JSON.parse(readFileSync('experiments/variants.json', 'utf8'));
    assert.deepEqual(base.rows.map((r: { name: string }) => r.name), ['M_Res', 'M_ResAtt', 'M_ResAdv', 'M_ResAttAdv']);
    for (const name of all) {
      const file = `experiments/${name}.json`;
      const own = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(resolve(dirname(file), own.extends), resolve('experiments/variants.json'), `${file} extends the shared base`);
      assert.equal(own.rows, undefined, `${file} defines no rows of its own`);
      assert.deepEqual(loadManifest(file).raw.rows, base.rows);
    }
  });

  it('a real-data manifest whose backbone starts from random weights says so, and where ImageNet weights come from', () => {
    for (const name of ['table1', 'table2', 'table3']) {
      const m = loadManifest(`experiments/${name}.json`).raw as { description: string; model: { backbone: { options: { pretrained: unknown } } } };
      if (m.model.backbone.options.pretrained !== null) continue;
      assert.match(m.description, /trains from scratch \("pretrained": null\), where the paper starts from ImageNet weights/, name);
      assert.match(m.description, /--set model\.backbone\.options\.pretrained=/, name);
    }
    assert.match(readFileSync('README.md', 'utf8'), /tensorflowjs_converter --input_format keras resnet50\.h5/);
  });

  it('a real-data manifest without its data fails at once, naming each missing dataset and where to put it', async () => {
    const prev = process.env.FER_DATA;
    process.env.FER_DATA = join(tmp.dir, 'no-data');
    try {
      const r = await cli('experiments/table2.json', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /3 datasets are not usable/);
      for (const d of ['AffectNet', 'RAF-DB', 'FED-RO']) assert.match(r.stderr, new RegExp(`${d}: the dataset root ".*no-data/${d}" does not exist\\. Put your copy of ${d} there \\(expected layout: `));
      assert.doesNotMatch(r.stderr, /epoch/);
    } finally {
      if (prev === undefined) delete process.env.FER_DATA;
      else process.env.FER_DATA = prev;
    }
  });
});
