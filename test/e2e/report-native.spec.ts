import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useNative } from '../helpers/backend.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('`fer-run report` rebuilds a report made on the native backend', function () {
  this.timeout(180_000);
  const tmp = tempDir();
  before(useNative);
  after(() => tmp.cleanup());

  it('from the manifest\'s "backend": "native", without --backend', async () => {
    const file = tmp.write('m.json', tinyManifest({ backend: 'native' }));
    const dirs = ['--runs', join(tmp.dir, 'runs'), '--cache', join(tmp.dir, 'cache')];
    const r = await cli(file, ...dirs, '--reports', join(tmp.dir, 'reports'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend native/);
    const rebuilt = await cli('report', file, ...dirs, '--reports', join(tmp.dir, 'rebuilt'));
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.doesNotMatch(rebuilt.stdout, /not finished/);
    const table = (dir: string) => readFileSync(join(tmp.dir, dir, 'tiny', 'table.csv'), 'utf8');
    assert.match(table('rebuilt'), /M_ResAttAdv,ours,[01]\.\d{4},/);
    assert.equal(table('rebuilt'), table('reports'));
  });
});
