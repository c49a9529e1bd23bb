import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('the parallel executor (--jobs)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('splits the cells over worker processes and reports once they all finish', () => {
    const m = tinyManifest({ seeds: [1, 2] });
    const file = tmp.write('m.json', m);
    const r = spawnSync('npx', ['tsx', 'framework/cli/main.ts', file, '--jobs', '2', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm'], {
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /4 cell\(s\): 4 trained, 0 reused, 0 failed, in \d+ s \(2 processes\)/);
    const cells = readdirSync(join(tmp.dir, 'runs', 'tiny'));
    assert.equal(cells.length, 4);
    for (const c of cells) assert.equal(JSON.parse(readFileSync(join(tmp.dir, 'runs', 'tiny', c, 'status.json'), 'utf8')).status, 'done');
    assert.match(readFileSync(join(tmp.dir, 'reports', 'tiny', 'table.md'), 'utf8'), /\| M_ResAttAdv \(ours\) \| \**\d\.\d{4}/);
  });
});
