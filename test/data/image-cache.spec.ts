import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cachedSource } from '../../framework/data/image-cache.js';
import { InputError } from '../../framework/errors.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('fer-run-image-cache-');

describe('the decoded-image cache', () => {
  after(() => tmp.cleanup());
  const image = (i: number) => ({ image: new Uint8Array(4 * 4 * 3).fill(i), record: { id: `img${i}`, label: i % 2 } });

  it('writes once and reads back; a second open decodes nothing', async () => {
    const dir = join(tmp.dir, 'ok');
    let produced = 0;
    const produce = (i: number) => (produced++, image(i));
    const a = await cachedSource({ cacheDir: dir, key: 'k', size: 4, count: 3, produce });
    const b = await cachedSource({ cacheDir: dir, key: 'k', size: 4, count: 3, produce });
    assert.equal(produced, 3);
    assert.deepEqual([b.length, b.get(2).id, b.get(2).image[0], a.get(1).label], [3, 'img2', 2, 1]);
  });

  it('says before decoding that the disk is too small, with the sizes and where to point the cache (exit 2)', async () => {
    const dir = join(tmp.dir, 'full');
    let produced = 0;
    const err = await cachedSource({ cacheDir: dir, key: 'affectnet-C8-train-112', size: 112, count: 287_651, produce: (i) => (produced++, image(i)), freeBytes: () => 3 * 2 ** 30 }).catch((e) => e);
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.message, 'the decoded-image cache for affectnet-C8-train-112 needs 10.1 GiB and ' + dir + ' has 3.0 GiB free. Point the cache at a disk with room: --cache DIR, or FER_RUN_CACHE=DIR (or free space there).');
    assert.equal(produced, 0);
  });

  it('a cache cut short by an error leaves no partial file behind, and the next open starts afresh', async () => {
    const dir = join(tmp.dir, 'cut');
    const failing = (i: number) => {
      if (i === 2) throw new Error('ENOSPC: no space left on device, write');
      return image(i);
    };
    await assert.rejects(cachedSource({ cacheDir: dir, key: 'k', size: 4, count: 4, produce: failing }), /ENOSPC/);
    assert.deepEqual(readdirSync(dir), []);
    const s = await cachedSource({ cacheDir: dir, key: 'k', size: 4, count: 4, produce: image });
    assert.equal(s.length, 4);
  });
});
