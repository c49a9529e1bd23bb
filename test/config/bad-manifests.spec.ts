import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Every bad manifest exits 2 with one paragraph naming the file and the JSON path of the mistake,
 * and never a stack trace.
 */
describe('bad manifests', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  const cases: { name: string; manifest?: Record<string, any>; raw?: string; file?: string; expect: (string | RegExp)[] }[] = [
    {
      name: 'unknown plugin name, with a did-you-mean',
      manifest: tinyManifest({ model: { backbone: { type: 'resnet-mimi' } } }),
      expect: ['/model/backbone/type', 'unknown backbone "resnet-mimi"', 'Did you mean "resnet-mini"?'],
    },
    { name: 'unknown top-level key', manifest: { ...tinyManifest(), seed: 3 }, expect: ['at /:', 'unknown key "seed"', 'Did you mean "seeds"?'] },
    {
      name: 'unknown plugin option key',
      manifest: tinyManifest({ model: { backbone: { type: 'resnet-mini', options: { width: [4, 8, 8, 16] } } } }),
      expect: ['/model/backbone/options', 'unknown key "width"', 'Did you mean "widths"?'],
    },
    { name: 'wrong type', manifest: tinyManifest({ imageSize: '64' }), expect: ['/imageSize', 'must be integer'] },
    {
      name: 'number out of range',
      manifest: (() => {
        const m = tinyManifest();
        m.trainings.lab.mix = 1.5;
        return m;
      })(),
      expect: ['/trainings/lab/mix', 'must be <= 0.9', 'got 1.5'],
    },
    { name: 'extends a missing file', manifest: { ...tinyManifest(), extends: 'nowhere.json' }, expect: ['/extends', 'cannot load the base manifest', 'nowhere.json'] },
    { name: 'malformed JSON', raw: '{\n  "name": "x",\n  "title": "y",\n}\n', expect: [/bad\.json:4:1: the manifest is not valid JSON/] },
    { name: 'missing file', file: 'does-not-exist.json', expect: ['does-not-exist.json: no such manifest file'] },
    {
      name: 'column names an unknown training',
      manifest: (() => {
        const m = tinyManifest();
        m.columns[0].training = 'labb';
        return m;
      })(),
      expect: ['/columns/0/training', 'no training named "labb"', 'Did you mean "lab"?'],
    },
    { name: 'enum typo', manifest: tinyManifest({ backend: 'wsam' }), expect: ['/backend', 'must be one of', 'Did you mean "wasm"?'] },
    {
      name: 'a row sets an invalid value',
      manifest: (() => {
        const m = tinyManifest();
        m.rows[1].set = { 'model.lambda1': -1 };
        return m;
      })(),
      expect: ['/model/lambda1', 'must be >= 0', '/rows/1/set', 'M_ResAttAdv'],
    },
    {
      name: 'missing required key',
      manifest: (() => {
        const m = tinyManifest();
        delete m.columns[0].test;
        return m;
      })(),
      expect: ['/columns/0', 'missing required key "test"'],
    },
    {
      name: 'plugin option out of range inside an evaluation',
      manifest: (() => {
        const m = tinyManifest();
        m.columns[0].evals[0].occluder.options.size = -3;
        return m;
      })(),
      // The value found, not the plugin reference around it (ajv's verbose errors carry the keyword's data).
      expect: ['/columns/0/evals/0/occluder/options/size', 'must be > 0, got -3.'],
    },
    {
      name: 'plugin option enum typo, with a did-you-mean',
      manifest: tinyManifest({ model: { backbone: { type: 'resnet-mini', options: { block: 'basik' } } } }),
      expect: ['/model/backbone/options/block', 'got "basik". Did you mean "basic"? Run'],
    },
    {
      name: 'plugin options that are not an object',
      manifest: tinyManifest({ model: { backbone: { type: 'resnet-mini', options: [16, 32, 64, 128] } } }),
      expect: ['/model/backbone/options', 'must be object, got an array.'],
    },
    { name: 'unset environment variable', manifest: tinyManifest({ title: '${FER_RUN_TEST_UNSET_VAR}' }), expect: ['/title', 'FER_RUN_TEST_UNSET_VAR is not set'] },
    {
      name: 'duplicate row names',
      manifest: tinyManifest({ rows: [{ name: 'A' }, { name: 'A' }] }),
      expect: ['/rows/1/name', 'row "A" appears twice'],
    },
    {
      name: 'row set path outside model/optimizer/trainings',
      manifest: tinyManifest({ rows: [{ name: 'A', set: { 'imageSize': 3 } }] }),
      expect: ['/rows/0/set', 'key "imageSize" is not allowed here'],
    },
    {
      name: "Figure 2's row is not a row",
      manifest: tinyManifest({ rows: [{ name: 'M_ResAttAdv' }], report: { masksRow: 'M_ResAtAdv' } }),
      expect: ['/report/masksRow', 'no row named "M_ResAtAdv"', 'Did you mean "M_ResAttAdv"?'],
    },
    {
      name: "Figure 2's row has no attention",
      manifest: tinyManifest({ rows: [{ name: 'M_Res', set: { 'model.attention': { type: 'none' } } }], report: { masksRow: 'M_Res' } }),
      expect: ['/report/masksRow', 'row "M_Res" has no attention module'],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit 2 with the JSON path`, async () => {
      let file: string;
      if (c.file) file = c.file;
      else if (c.raw) file = tmp.write('bad.json', c.raw);
      else file = tmp.write(`${c.name.replace(/\W+/g, '-')}.json`, c.manifest!);
      const r = await cli('validate', file);
      assert.equal(r.code, 2, r.stderr);
      for (const e of c.expect) {
        if (typeof e === 'string') assert.ok(r.stderr.includes(e), `expected ${JSON.stringify(e)} in:\n${r.stderr}`);
        else assert.match(r.stderr, e);
      }
      assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace expected:\n${r.stderr}`);
    });
  }

  it("--set of a plugin's type that keeps the old plugin's options says how to replace the whole reference", async () => {
    const file = tmp.write('type-set.json', tinyManifest());
    const r = await cli('validate', file, '--set', 'model.backbone.type=resnet18');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /at \/model\/backbone\/options: unknown key "widths"\. Allowed keys: pretrained\. \(--set model\.backbone\.type changed the plugin but kept the options written for the previous one: set the whole reference instead, e\.g\. --set 'model\.backbone=\{"type": "resnet18"\}'\)/);
    const whole = await cli('validate', file, '--set', 'model.backbone={"type": "resnet18"}');
    assert.equal(whole.code, 0, whole.stderr);
    // A --set that did not touch the failing reference adds nothing.
    const other = await cli('validate', file, '--set', 'trainings.lab.occluder.type=block', '--set', 'model.backbone.options.widths=[1]');
    assert.equal(other.code, 2);
    assert.ok(!other.stderr.includes('changed the plugin'), other.stderr);
  });

  it('two levels of extends are refused', async () => {
    const base2 = tmp.write('chain/base2.json', tinyManifest());
    tmp.write('chain/base1.json', { extends: 'base2.json', name: 'b1' });
    const top = tmp.write('chain/top.json', { extends: 'base1.json', name: 'top' });
    const r = await cli('validate', top);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/extends: .*base1\.json itself has "extends"; only one level is allowed/);
    assert.ok(base2);
  });
});
