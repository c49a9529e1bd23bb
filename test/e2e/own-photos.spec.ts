import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDemoPhotos } from '../../bench/demo-photos.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('experiments/examples/own-photos.json on a folder of photos', function () {
  this.timeout(240_000);
  const tmp = tempDir('fer-run-own-photos-');
  after(() => tmp.cleanup());

  it('aligns the photos, keeps every person in one fold, trains the four variants and reports every column', async () => {
    const root = join(tmp.dir, 'photos');
    const files = await writeDemoPhotos(root, { photos: 36, side: 320 });
    const people = new Set(files.map((f) => f.split('/')[1].split('_')[0]));
    process.env.FER_PHOTOS = root;
    try {
      // The example as committed, shrunk to seconds: 2 folds, 1 epoch, 32 px, a tiny network.
      const shrink = ['trainings.photos.folds=2', 'trainings.photos.epochs=1', 'imageSize=32', 'model.backbone.options.widths=[4,8,8,16]', 'report.figures=false'];
      const r = await cli('experiments/examples/own-photos.json', ...shrink.flatMap((s) => ['--set', s]), '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--backend', 'wasm');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /8 cell\(s\): 8 trained/);
      const md = readFileSync(join(tmp.dir, 'reports', 'own-photos', 'table.md'), 'utf8');
      assert.ok(md.includes('| Methods | clean | R8 | R16 | R24 | eyes | mouth |'), md.slice(0, 600));
      for (const row of ['M_Res', 'M_ResAtt', 'M_ResAdv', 'M_ResAttAdv']) assert.match(md, new RegExp(`\\| ${row} \\(ours\\) \\| \\**\\d\\.\\d{4}`));
      // Held-out predictions pooled over the 2 folds: every aligned photo is tested once per column.
      const ev = md.match(/\| clean \| clean \| (\d+) \|/);
      assert.ok(ev, 'the McNemar table lists the clean column');
      const aligned = Number(ev![1]);
      assert.ok(aligned >= 0.6 * files.length && aligned <= files.length, `${aligned} of ${files.length} photos aligned`);
      assert.ok(people.size >= 10, 'photos of many people');
    } finally {
      delete process.env.FER_PHOTOS;
    }
  });
});
