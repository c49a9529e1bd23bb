import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('the committed manifests', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const all = ['table1', 'table2', 'table3', 'synthetic/table1', 'synthetic/table2', 'synthetic/table3'];

  for (const name of all) {
    it(`experiments/${name}.json validates`, async () => {
      const r = await cli('validate', `experiments/${name}.json`);
      assert.equal(r.code, 0, r.stderr);
    });
  }

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
