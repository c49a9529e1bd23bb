import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

/** A directory option that cannot be written is bad input, said before any work starts. */
describe('directory options', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const noStack = (s: string) => assert.ok(!/\n\s+at /.test(s), `no stack trace expected:\n${s}`);

  it('--runs naming a file: exit 2 naming the flag, before any cell is trained', async () => {
    const manifest = tmp.write('m.json', tinyManifest());
    const file = tmp.write('not-a-dir', 'x');
    const r = await cli('run', manifest, '--runs', file, '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--runs .*not-a-dir: this is a file, not a directory\. Give a directory there/);
    noStack(r.stderr);
    assert.ok(!existsSync(join(tmp.dir, 'cache')), 'nothing was prepared');
  });

  it('a directory below a file, and the cache from FER_RUN_CACHE, are named too', async () => {
    const manifest = tmp.write('m2.json', tinyManifest());
    const file = tmp.write('plain-file', 'x');
    const r = await cli('report', manifest, '--reports', join(file, 'reports'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--reports .*plain-file[\\/]reports: .*plain-file is a file, so no directory can be created inside it/);
    const saved = process.env.FER_RUN_CACHE;
    process.env.FER_RUN_CACHE = file;
    try {
      const p = await cli('preview', manifest, '--out', join(tmp.dir, 'preview'));
      assert.equal(p.code, 2, p.stderr);
      assert.match(p.stderr, /FER_RUN_CACHE .*plain-file: this is a file/);
      noStack(p.stderr);
    } finally {
      if (saved === undefined) delete process.env.FER_RUN_CACHE;
      else process.env.FER_RUN_CACHE = saved;
    }
  });
});
