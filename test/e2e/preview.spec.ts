import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('fer-run preview', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('writes a contact sheet of the training faces (a row per class) and one per occluder with its masks', async () => {
    const out = join(tmp.dir, 'preview');
    const r = await cli('preview', tmp.write('m.json', tinyManifest()), '--out', out, '--count', '4', '--cache', join(tmp.dir, 'cache'));
    assert.equal(r.code, 0, r.stderr);
    const files = readdirSync(out).sort();
    assert.deepEqual(files, ['data-synthetic-faces.png', 'occluder-1-objects.png', 'occluder-2-block.png', 'occluder-3-region.png']);
    const data = await sharp(join(out, 'data-synthetic-faces.png')).metadata();
    // 7 classes × 4 faces of 32 px, enlarged ×3 for viewing.
    assert.deepEqual([data.width, data.height], [4 * 32 * 3, 7 * 32 * 3]);
    const occ = await sharp(join(out, 'occluder-2-block.png')).metadata();
    assert.deepEqual([occ.width, occ.height], [4 * 32 * 3, 2 * 32 * 3]);
  });
});
