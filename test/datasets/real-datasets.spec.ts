import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Dataset } from '../../framework/data/dataset.js';
import type { PluginRef } from '../../framework/plugin/contract.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import { AFFECTNET_CODES } from '../../plugins/datasets/affectnet/labels.js';
import { CKPLUS_CODES } from '../../plugins/datasets/ckplus/labels.js';
import { FEDRO_FOLDERS } from '../../plugins/datasets/fedro/plugin.js';
import { folderClass } from '../../plugins/datasets/image-folder/plugin.js';
import { RAFDB_CODES } from '../../plugins/datasets/rafdb/labels.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { registry_ } from '../helpers/model.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('fer-run-datasets-');
const cache = join(tmp.dir, 'cache');

async function image(file: string, w: number, h: number, channels: 1 | 3, value: number, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const raw = Buffer.alloc(w * h * channels, value);
  const img = sharp(raw, { raw: { width: w, height: h, channels } });
  await (format === 'png' ? img.png() : img.jpeg()).toFile(file);
}

function text(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

async function dataset(ref: PluginRef, log?: (line: string) => void): Promise<Dataset> {
  const ctx = createBuildContext({ registry: await registry_(), seed: 0, imageSize: 32, cacheDir: cache, log });
  return ctx.build('dataset', ref);
}

/** 68 landmarks: eyes around y = 20, mouth around y = 40, on a 60×50 frame. */
function landmarks(): string {
  const pts: [number, number][] = [];
  for (let i = 0; i < 68; i++) {
    if (i >= 36 && i <= 47) pts.push([15 + (i - 36) * 2.5, 18 + (i % 2) * 4]);
    else if (i >= 48) pts.push([22 + (i - 48) * 0.8, 38 + (i % 3) * 2]);
    else pts.push([10 + (i % 17) * 2.5, 8 + Math.floor(i / 17) * 30]);
  }
  return pts.map(([x, y]) => `   ${x.toExponential(7)}   ${y.toExponential(7)}`).join('\n') + '\n';
}

describe('real dataset adapters on generated fixture trees', function () {
  this.timeout(60000);
  after(() => tmp.cleanup());

  describe('label mappings onto the canonical classes', () => {
    it('CK+', () => assert.deepEqual(CKPLUS_CODES, { 0: 'neutral', 1: 'anger', 2: 'contempt', 3: 'disgust', 4: 'fear', 5: 'happy', 6: 'sad', 7: 'surprise' }));
    it('RAF-DB', () => assert.deepEqual(RAFDB_CODES, { 1: 'surprise', 2: 'fear', 3: 'disgust', 4: 'happy', 5: 'sad', 6: 'anger', 7: 'neutral' }));
    it('AffectNet (8–10 dropped)', () =>
      assert.deepEqual(AFFECTNET_CODES, { 0: 'neutral', 1: 'happy', 2: 'sad', 3: 'surprise', 4: 'fear', 5: 'disgust', 6: 'anger', 7: 'contempt', 8: null, 9: null, 10: null }));
    it('FED-RO (the "neural" spelling)', () => assert.equal(FEDRO_FOLDERS.neural, 'neutral'));
    it('image folders', () => {
      assert.equal(folderClass('Happy', {}), 'happy');
      assert.equal(folderClass('joy', { joy: 'happy' }), 'happy');
      assert.equal(folderClass('joy', {}), null);
      // FER2013's and its copies' folder names, RAF-DB's and AffectNet's class names; classMap wins.
      assert.deepEqual(['angry', 'Disgusted', 'fearful', 'Happiness', 'sadness', 'surprised', 'neural'].map((f) => folderClass(f, {})), ['anger', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']);
      assert.equal(folderClass('angry', { angry: 'disgust' }), 'disgust');
    });

    it('FER2013-style folders (angry, …) train without a classMap, and the log says how they were read', async () => {
      const root = join(tmp.dir, 'fer2013');
      for (const f of ['angry', 'happy', 'surprised']) await image(join(root, 'train', f, '1.png'), 20, 20, 3, 10);
      for (const f of ['angry', 'happy', 'surprised']) await image(join(root, 'test', f, '2.png'), 20, 20, 3, 10);
      const lines: string[] = [];
      const d = await dataset({ type: 'image-folder', options: { root } }, (l) => lines.push(l));
      assert.deepEqual(d.classes, ['happy', 'surprise', 'anger']);
      assert.ok(lines.some((l) => l.includes('class folders read by their common spelling: angry → anger, surprised → surprise')), lines.join('\n'));
    });

    it('class folders and photos linked in from elsewhere (symbolic links) are read', async () => {
      const { symlinkSync } = await import('node:fs');
      const store = join(tmp.dir, 'photo-store');
      await image(join(store, 'sad-shoot', 'a.png'), 20, 20, 3, 10);
      await image(join(store, 'b.png'), 20, 20, 3, 10);
      const root = join(tmp.dir, 'linked');
      mkdirSync(join(root, 'happy'), { recursive: true });
      symlinkSync(join(store, 'sad-shoot'), join(root, 'sad'));
      symlinkSync(join(store, 'b.png'), join(root, 'happy', 'b.png'));
      // A link back up the tree: walked once, not forever.
      symlinkSync(join(root, 'sad'), join(store, 'sad-shoot', 'again'));
      const all = await (await dataset({ type: 'image-folder', options: { root, testFraction: 0 } })).open('all', 32);
      assert.deepEqual(Array.from({ length: all.length }, (_, i) => all.get(i).id).sort(), ['happy/b.png', 'sad/a.png']);
    });

    it('a root one level above the class folders (an archive unpacked into its own folder) says where to point it', async () => {
      const root = join(tmp.dir, 'unzipped-photos');
      await image(join(root, 'photos', 'happy', '1.png'), 20, 20, 3, 10);
      await image(join(root, 'photos', 'sad', '2.png'), 20, 20, 3, 10);
      await assert.rejects(dataset({ type: 'image-folder', options: { root } }), /image-folder: .*unzipped-photos\/photos holds class folders itself: point "root" at it/);
    });

    it('train/ beside val/ is a split layout too, val/ being "test"', async () => {
      const root = join(tmp.dir, 'train-val');
      await image(join(root, 'train', 'happy', '1.png'), 20, 20, 3, 10);
      await image(join(root, 'train', 'sad', '2.png'), 20, 20, 3, 10);
      await image(join(root, 'val', 'sad', '3.png'), 20, 20, 3, 10);
      const lines: string[] = [];
      const d = await dataset({ type: 'image-folder', options: { root } }, (l) => lines.push(l));
      assert.deepEqual([(await d.open('train', 32)).length, (await d.open('test', 32)).get(0).id], [2, 'val/sad/3.png']);
      assert.ok(lines.includes('image-folder: val/ is the "test" split (beside train/)'), lines.join('\n'));
    });
  });

  describe('ckplus', () => {
    const root = join(tmp.dir, 'CK+');
    before(async () => {
      // Subjects S005 (two sequences), S010, S011, S022 (one each); S022's sequence is contempt.
      const seqs: [string, string, number][] = [['S005', '001', 3], ['S005', '002', 5], ['S010', '001', 7], ['S011', '004', 1], ['S022', '001', 2]];
      for (const [s, q, code] of seqs) {
        for (let f = 1; f <= 3; f++) {
          const stem = `${s}_${q}_0000000${f}`;
          await image(join(root, 'cohn-kanade-images', s, q, `${stem}.png`), 60, 50, 1, 40 * f);
          text(join(root, 'Landmarks', s, q, `${stem}_landmarks.txt`), landmarks());
        }
        text(join(root, 'Emotion', s, q, `${s}_${q}_00000003_emotion.txt`), `   ${code.toExponential(7)}\n`);
      }
    });

    it("takes every labelled sequence's onset as neutral and each apex with its label but contempt's (the paper's 636 = 327 + 309), reads grey as three channels", async () => {
      const lines: string[] = [];
      const d = await dataset({ type: 'ckplus', options: { root, folds: 2 } }, (l) => lines.push(l));
      assert.equal(d.classes.length, 7);
      const all = await d.open('all', 32);
      assert.equal(all.length, 9, 'five onsets (the contempt sequence too) + four apexes');
      const labels = Array.from({ length: all.length }, (_, i) => d.classes[all.get(i).label]);
      assert.deepEqual(labels.sort(), ['anger', 'disgust', 'happy', 'neutral', 'neutral', 'neutral', 'neutral', 'neutral', 'surprise']);
      const contemptOnset = Array.from({ length: all.length }, (_, i) => all.get(i)).filter((x) => x.id.startsWith('S022/'));
      assert.deepEqual(contemptOnset.map((x) => [x.id, d.classes[x.label]]), [['S022/001/S022_001_00000001.png', 'neutral']], "the contempt sequence gives its onset frame, as neutral, and no apex");
      assert.ok(
        lines.some((l) => l.includes('CK+: 9 images from 5 labelled sequences of 4 subjects: 5 onset frames (neutral) + 4 apex frames (contempt apexes left out)')),
        lines.join('\n'),
      );
      const s = all.get(0);
      assert.equal(s.image.length, 32 * 32 * 3);
      assert.ok(s.image[0] === s.image[1] && s.image[1] === s.image[2], 'grey pixels become three equal channels');
      assert.ok(s.regions?.eyes && s.regions.mouth && s.regions.eyes.y < s.regions.mouth.y, 'regions from Landmarks/');
      const c8 = await dataset({ type: 'ckplus', options: { root, folds: 2, includeContempt: true } });
      assert.equal((await c8.open('all', 32)).length, 10, 'with contempt: five onsets + five apexes');
    });

    it('makes subject-disjoint folds, deterministic in the fold seed', async () => {
      const subjects = async (split: string, foldSeed = 0) => {
        const src = await (await dataset({ type: 'ckplus', options: { root, folds: 2, foldSeed } })).open(split, 32);
        return new Set(Array.from({ length: src.length }, (_, i) => src.get(i).subject));
      };
      const train = await subjects('train');
      const test = await subjects('test');
      assert.ok(train.size > 0 && test.size > 0);
      for (const s of test) assert.ok(!train.has(s), `subject ${s} in both folds`);
      assert.deepEqual(await subjects('test'), test);
    });

    it('reads a copy whose zips were each unpacked into their own folder (extended-cohn-kanade-images/cohn-kanade-images/, Emotion_labels/Emotion/, Landmarks/Landmarks/)', async () => {
      const unzipped = join(tmp.dir, 'CK+unzipped');
      for (let f = 1; f <= 3; f++) {
        const stem = `S005_001_0000000${f}`;
        await image(join(unzipped, 'extended-cohn-kanade-images', 'cohn-kanade-images', 'S005', '001', `${stem}.png`), 60, 50, 1, 40 * f);
        text(join(unzipped, 'Landmarks', 'Landmarks', 'S005', '001', `${stem}_landmarks.txt`), landmarks());
      }
      text(join(unzipped, 'Emotion_labels', 'Emotion', 'S005', '001', 'S005_001_00000003_emotion.txt'), '   5.0000000e+00\n');
      const all = await (await dataset({ type: 'ckplus', options: { root: unzipped, folds: 2 } })).open('all', 32);
      assert.equal(all.length, 2);
      assert.ok(all.get(1).regions?.mouth, 'landmarks found in Landmarks/Landmarks/');
    });

    it('an emotion code outside the table is an error naming the file and line', async () => {
      const bad = join(tmp.dir, 'CK+bad');
      await image(join(bad, 'cohn-kanade-images', 'S001', '001', 'S001_001_00000001.png'), 8, 8, 1, 9);
      text(join(bad, 'Emotion', 'S001', '001', 'S001_001_00000001_emotion.txt'), '   9.0000000e+00\n');
      await assert.rejects(dataset({ type: 'ckplus', options: { root: bad } }), /S001_001_00000001_emotion\.txt:1: emotion code "9\.0000000e\+00" is not one of CK\+'s codes 0–7/);
    });

    it('a missing root names the expected layout', async () => {
      await assert.rejects(dataset({ type: 'ckplus', options: { root: join(tmp.dir, 'nope') } }), /CK\+: the dataset root ".*nope" does not exist\. Put your copy of CK\+ there \(expected layout: cohn-kanade-images/);
      mkdirSync(join(tmp.dir, 'wrong', 'images'), { recursive: true });
      await assert.rejects(dataset({ type: 'ckplus', options: { root: join(tmp.dir, 'wrong') } }), /does not have the expected layout .*: missing cohn-kanade-images \(looked for cohn-kanade-images and extended-cohn-kanade-images\/cohn-kanade-images\), Emotion \(looked for Emotion and Emotion_labels\/Emotion\)\. Found: images\./);
    });
  });

  describe('rafdb', () => {
    const root = join(tmp.dir, 'RAF-DB');
    before(async () => {
      const list = ['train_00001.jpg 4', 'train_00002.jpg 7', 'train_00003.jpg 1', 'train_00004.jpg 5', 'test_0001.jpg 6', 'test_0002.jpg 2'];
      text(join(root, 'EmoLabel', 'list_patition_label.txt'), list.join('\n') + '\n');
      for (const l of list) await image(join(root, 'Image', 'aligned', l.split(' ')[0].replace('.jpg', '_aligned.jpg')), 100, 100, 3, 120, 'jpeg');
      text(join(root, 'Image', 'aligned', 'train_00004_aligned.jpg'), 'this is not a JPEG');
      text(join(tmp.dir, 'occ-raf.txt'), 'test_0001_aligned 5 1\ntest_0002_aligned 1 2\ntest_0002_aligned 1 2\ntest_9999_aligned 0 1\n');
    });

    it('maps codes, splits train/test, and fails when more than 1% of the images are unreadable', async () => {
      const d = await dataset({ type: 'rafdb', options: { root } });
      const test = await d.open('test', 32);
      assert.deepEqual([0, 1].map((i) => d.classes[test.get(i).label]), ['anger', 'fear']);
      await assert.rejects(d.open('train', 32), /rafdb-train: 1 of 4 images could not be read \(more than 1\.0%\), e\.g\. train_00004 \(/);
    });

    it('skips and lists a corrupt image when the bad fraction is allowed', async () => {
      const d = await dataset({ type: 'rafdb', options: { root, maxBadFraction: 0.5 } });
      const train = await d.open('train', 32);
      assert.equal(train.length, 3);
      assert.deepEqual(train.skipped.map((s) => s.id), ['train_00004']);
      assert.deepEqual(Array.from({ length: 3 }, (_, i) => d.classes[train.get(i).label]), ['happy', 'neutral', 'surprise']);
    });

    it('an experiment on a copy with too many unreadable images stops at its first cell and says so once (exit 2)', async () => {
      const data = { type: 'rafdb', options: { root } };
      const manifest = tinyManifest({
        seeds: [1, 2, 3],
        trainings: { raf: { datasets: [data], occluder: { type: 'objects' }, epochs: 1, batchSize: 4 } },
        rows: [{ name: 'M_Res', set: { 'model.attention': { type: 'none' }, 'model.discriminator': { type: 'none' } } }],
        columns: [{ name: 'RAF-DB', training: 'raf', test: { dataset: data }, evals: [{ label: 'clean' }] }],
        launcher: { type: 'local' },
      });
      const file = join(tmp.dir, 'corrupt-raf.json');
      text(file, JSON.stringify(manifest));
      const r = await cli(file, '--runs', join(tmp.dir, 'runs-corrupt'), '--reports', join(tmp.dir, 'reports-corrupt'), '--cache', cache, '--backend', 'cpu');
      assert.equal(r.code, 2, r.stderr);
      const said = (r.stdout + r.stderr).match(/1 of 4 images could not be read/g) ?? [];
      assert.equal(said.length, 1, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /\[2\/3\]|FAILED/);
    });

    it('finds the images where Image/aligned.zip unpacked into a folder of its own (Image/aligned/aligned/)', async () => {
      const copy = join(tmp.dir, 'RAF-DB-nested');
      text(join(copy, 'EmoLabel', 'list_patition_label.txt'), 'train_00001.jpg 4\ntest_0001.jpg 6\n');
      for (const f of ['train_00001_aligned.jpg', 'test_0001_aligned.jpg']) await image(join(copy, 'Image', 'aligned', 'aligned', f), 100, 100, 3, 120, 'jpeg');
      const d = await dataset({ type: 'rafdb', options: { root: copy } });
      assert.deepEqual([(await d.open('train', 32)).skipped, (await d.open('test', 32)).length], [[], 1]);
      // The download's root (basic/ beside compound/) means its basic/.
      const { renameSync } = await import('node:fs');
      const download = join(tmp.dir, 'RAF-DB-download');
      mkdirSync(join(download, 'compound'), { recursive: true });
      renameSync(copy, join(download, 'basic'));
      const lines: string[] = [];
      const fromDownload = await dataset({ type: 'rafdb', options: { root: download } }, (l) => lines.push(l));
      assert.equal((await fromDownload.open('test', 32)).length, 1);
      assert.ok(lines.some((l) => l.includes('the basic set inside')), lines.join('\n'));
    });

    it("reads a repackaged list naming the aligned files themselves, CRLF and a byte-order mark included", async () => {
      const copy = join(tmp.dir, 'RAF-DB-repack');
      text(join(copy, 'EmoLabel', 'list_patition_label.txt'), '\ufefftrain_00001_aligned.jpg 4\r\ntest_0001_aligned.jpg 6\r\n');
      for (const f of ['train_00001_aligned.jpg', 'test_0001_aligned.jpg']) await image(join(copy, 'Image', 'aligned', f), 100, 100, 3, 120, 'jpeg');
      const d = await dataset({ type: 'rafdb', options: { root: copy } });
      const train = await d.open('train', 32);
      assert.deepEqual([train.length, train.get(0).id, d.classes[train.get(0).label]], [1, 'train_00001', 'happy']);
      assert.equal((await d.open('test', 32)).length, 1);
    });

    it('reads the realistic-occlusion list, removing the duplicate entry', async () => {
      const d = await dataset({ type: 'rafdb', options: { root, occlusionList: join(tmp.dir, 'occ-raf.txt') } });
      const occ = await d.open('occlusion', 32);
      assert.equal(occ.length, 2, 'test_0002 listed twice counts once; test_9999 is not in the label list');
      assert.deepEqual([0, 1].map((i) => d.classes[occ.get(i).label]), ['anger', 'fear']);
    });

    it('a label outside the table is an error with file and line; entries cannot escape the root', async () => {
      const bad = join(tmp.dir, 'RAF-bad');
      text(join(bad, 'EmoLabel', 'list_patition_label.txt'), 'train_00001.jpg 3\ntrain_00002.jpg 8\n');
      mkdirSync(join(bad, 'Image', 'aligned'), { recursive: true });
      await assert.rejects(dataset({ type: 'rafdb', options: { root: bad } }), /list_patition_label\.txt:2: label "8" is not one of RAF-DB's codes 1–7/);
      text(join(tmp.dir, 'occ-escape.txt'), '../../etc/passwd 1 1\n');
      await assert.rejects(dataset({ type: 'rafdb', options: { root, occlusionList: join(tmp.dir, 'occ-escape.txt') } }), /occ-escape\.txt:1: "\.\.\/\.\.\/etc\/passwd" is not an image name inside the dataset/);
    });
  });

  describe('affectnet', () => {
    const root = join(tmp.dir, 'AffectNet');
    const header = 'subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal';
    const lm = Array.from({ length: 68 }, (_, i) => `${20 + (i % 10) * 4};${20 + Math.floor(i / 10) * 8}`).join(';');
    before(async () => {
      const rows = [`1/a.jpg,10,10,60,60,${lm},1,0.5,0.2`, '1/b.jpg,0,0,80,80,NULL,7,0,0', '2/c.jpg,5,5,70,70,NULL,8,0,0', `2/d.jpg,10,10,60,60,${lm},0,0,0`];
      text(join(root, 'training.csv'), [header, ...rows].join('\n') + '\n');
      text(join(root, 'validation.csv'), [header, `3/e.jpg,10,10,60,60,${lm},6,0,0`].join('\n') + '\n');
      for (const f of ['1/a.jpg', '1/b.jpg', '2/c.jpg', '2/d.jpg', '3/e.jpg']) await image(join(root, 'Manually_Annotated_Images', f), 80, 80, 3, 90, 'jpeg');
      text(join(tmp.dir, 'occ-affectnet.txt'), 'val/6/e/\nval/1/zzz/\n');
    });

    it('drops codes 8–10, keeps contempt for C8 and drops it for C7, tolerates NULL landmarks', async () => {
      const c8 = await dataset({ type: 'affectnet', options: { root } });
      const train8 = await c8.open('train', 32);
      assert.equal(train8.length, 3);
      assert.deepEqual(Array.from({ length: 3 }, (_, i) => c8.classes[train8.get(i).label]), ['happy', 'contempt', 'neutral']);
      assert.equal(train8.get(1).regions, undefined, 'NULL landmarks: no regions');
      assert.ok(train8.get(0).regions?.mouth, 'landmarks give regions, in the cropped frame');
      const c7 = await dataset({ type: 'affectnet', options: { root, classes: 'C7' } });
      assert.equal((await c7.open('train', 32)).length, 2);
      assert.equal(c7.classes.length, 7);
    });

    it('matches the realistic-occlusion list to validation images by stem', async () => {
      const d = await dataset({ type: 'affectnet', options: { root, occlusionList: join(tmp.dir, 'occ-affectnet.txt') } });
      const occ = await d.open('occlusion', 32);
      assert.equal(occ.length, 1);
      assert.equal(d.classes[occ.get(0).label], 'anger');
    });

    it('an out-of-table code is an error with file and line; paths cannot escape the root', async () => {
      const bad = join(tmp.dir, 'AffectNet-bad');
      mkdirSync(join(bad, 'Manually_Annotated_Images'), { recursive: true });
      text(join(bad, 'training.csv'), `${header}\n1/a.jpg,0,0,8,8,NULL,11,0,0\n`);
      text(join(bad, 'validation.csv'), `${header}\n../../secret.jpg,0,0,8,8,NULL,1,0,0\n`);
      const d = await dataset({ type: 'affectnet', options: { root: bad } });
      await assert.rejects(d.open('train', 32), /training\.csv:2: expression code "11" is not one of AffectNet's codes 0–10/);
      await assert.rejects(d.open('test', 32), /validation\.csv:2: the entry "\.\.\/\.\.\/secret\.jpg" points outside the dataset root/);
    });

    it('reads CSVs re-saved by pandas or a spreadsheet (quotes, BOM, CRLF) and a validation.csv without its header; rows with no face box are left out and counted', async () => {
      const resaved = join(tmp.dir, 'AffectNet-resaved');
      const q = (row: string[]) => row.map((f) => `"${f}"`).join(',');
      text(
        join(resaved, 'training.csv'),
        '\ufeff' + [q(header.split(',')), q(['1/a.jpg', '10', '10', '60', '60', lm, '1', '0.5', '0.2']), q(['1\\b.jpg', '0', '0', '80', '80', 'NULL', '0', '0', '0']), q(['2/d.jpg', '10', '10', '-1', '-1', 'NULL', '2', '0', '0'])].join('\r\n') + '\r\n',
      );
      text(join(resaved, 'validation.csv'), ['3/e.jpg,10,10,60,60,NULL,6,0,0', '3/f.jpg,10,10,60,60,NULL,3,0,0'].join('\n') + '\n');
      for (const f of ['1/a.jpg', '1/b.jpg', '2/d.jpg', '3/e.jpg', '3/f.jpg']) await image(join(resaved, 'Manually_Annotated_Images', f), 80, 80, 3, 90, 'jpeg');
      const lines: string[] = [];
      const d = await dataset({ type: 'affectnet', options: { root: resaved } }, (l) => lines.push(l));
      const train = await d.open('train', 32);
      assert.deepEqual(train.skipped, []);
      assert.deepEqual(Array.from({ length: train.length }, (_, i) => [train.get(i).id, d.classes[train.get(i).label]]), [['1/a.jpg', 'happy'], ['1/b.jpg', 'neutral']]);
      assert.ok(train.get(0).regions?.mouth, 'quoted landmarks are parsed');
      const test = await d.open('test', 32);
      assert.deepEqual(Array.from({ length: test.length }, (_, i) => d.classes[test.get(i).label]), ['anger', 'surprise'], 'the first line is a row, not a header');
      assert.ok(lines.some((l) => l.includes('training.csv: 2 images, 0 dropped (codes 8–10); 1 left out for a face box of zero or negative size')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('validation.csv: 2 images, 0 dropped (codes 8–10); no header line, rows read in the released column order')), lines.join('\n'));
    });

    it("reads the CSVs and images where the release keeps them (Manually_Annotated_file_lists/, Manually_Annotated/Manually_Annotated_Images/), and says where it looked when they are missing", async () => {
      const released = join(tmp.dir, 'AffectNet-release');
      text(join(released, 'Manually_Annotated_file_lists', 'training.csv'), [header, `1/a.jpg,10,10,60,60,${lm},1,0.5,0.2`, '2/d.jpg,10,10,60,60,NULL,0,0,0'].join('\n') + '\n');
      text(join(released, 'Manually_Annotated_file_lists', 'validation.csv'), [header, '3/e.jpg,10,10,60,60,NULL,6,0,0'].join('\n') + '\n');
      // Manually_Annotated.tar unpacks to Manually_Annotated/Manually_Annotated_Images/.
      for (const f of ['1/a.jpg', '2/d.jpg', '3/e.jpg']) await image(join(released, 'Manually_Annotated', 'Manually_Annotated_Images', f), 80, 80, 3, 90, 'jpeg');
      const lines: string[] = [];
      const d = await dataset({ type: 'affectnet', options: { root: released } }, (l) => lines.push(l));
      const train = await d.open('train', 32);
      assert.deepEqual(Array.from({ length: train.length }, (_, i) => d.classes[train.get(i).label]), ['happy', 'neutral']);
      assert.deepEqual(train.skipped, []);
      assert.equal((await d.open('test', 32)).length, 1);
      assert.ok(lines.some((l) => l.startsWith('AffectNet Manually_Annotated_file_lists/training.csv: 2 images')), lines.join('\n'));
      const none = join(tmp.dir, 'AffectNet-nocsv');
      mkdirSync(join(none, 'Manually_Annotated_Images'), { recursive: true });
      text(join(none, 'Manually_Annotated_file_lists', 'validation.csv'), `${header}\n`);
      await assert.rejects(
        dataset({ type: 'affectnet', options: { root: none } }),
        /AffectNet: .*AffectNet-nocsv does not have the expected layout \(.*\): missing training\.csv \(looked for Manually_Annotated_file_lists\/training\.csv and training\.csv\)\. Found: Manually_Annotated_Images, Manually_Annotated_file_lists\./,
      );
    });
  });

  describe('copies carried through macOS, Windows and phones', () => {
    /** What macOS writes beside every file it copies to a zip or foreign disk: an "AppleDouble" twin that is no image. */
    const appleDouble = (file: string) => text(join(dirname(file), `._${file.split('/').pop()}`), '\u0000\u0005\u0016\u0007Mac OS X        ');

    it("ckplus skips ._ twins, .DS_Store and __MACOSX: the onset frame is the first real frame, the label file the real one", async () => {
      const root = join(tmp.dir, 'CK+mac');
      for (let f = 1; f <= 3; f++) {
        const frame = join(root, 'cohn-kanade-images', 'S005', '001', `S005_001_0000000${f}.png`);
        await image(frame, 60, 50, 1, 40 * f);
        appleDouble(frame);
      }
      const emotion = join(root, 'Emotion', 'S005', '001', 'S005_001_00000003_emotion.txt');
      text(emotion, '   5.0000000e+00\n');
      appleDouble(emotion);
      text(join(root, '.DS_Store'), 'x');
      text(join(root, 'Emotion', '.DS_Store'), 'x');
      text(join(root, '__MACOSX', 'Emotion', 'S005', '._001'), 'x');
      const all = await (await dataset({ type: 'ckplus', options: { root, folds: 2 } })).open('all', 32);
      assert.deepEqual(all.skipped, []);
      assert.deepEqual(Array.from({ length: all.length }, (_, i) => all.get(i).id), ['S005/001/S005_001_00000001.png', 'S005/001/S005_001_00000003.png']);
    });

    it('image-folder reads class subfolders and webp/tiff, skips system files, and says what it left out', async () => {
      const root = join(tmp.dir, 'mine-mac');
      await image(join(root, 'happy', '1.png'), 20, 20, 3, 10);
      appleDouble(join(root, 'happy', '1.png'));
      await image(join(root, 'happy', 'session 2', '2.jpg'), 20, 20, 3, 10, 'jpeg');
      mkdirSync(join(root, 'sad'), { recursive: true });
      await sharp(Buffer.alloc(20 * 20 * 3, 90), { raw: { width: 20, height: 20, channels: 3 } }).webp().toFile(join(root, 'sad', '3.WEBP'));
      await sharp(Buffer.alloc(20 * 20 * 3, 90), { raw: { width: 20, height: 20, channels: 3 } }).tiff().toFile(join(root, 'sad', '4.tif'));
      text(join(root, 'sad', '5.bmp'), 'BM');
      text(join(root, 'sad', 'notes.txt'), 'x');
      text(join(root, 'happy', 'Thumbs.db'), 'x');
      text(join(root, '.DS_Store'), 'x');
      mkdirSync(join(root, '.ipynb_checkpoints'), { recursive: true });
      appleDouble(join(root, '__MACOSX', 'happy', '1.png'));
      await image(join(root, '6.png'), 20, 20, 3, 10);
      const lines: string[] = [];
      const d = await dataset({ type: 'image-folder', options: { root, testFraction: 0 } }, (l) => lines.push(l));
      assert.deepEqual(d.classes, ['happy', 'sad']);
      const all = await d.open('all', 32);
      assert.deepEqual(all.skipped, []);
      assert.deepEqual(Array.from({ length: all.length }, (_, i) => all.get(i).id).sort(), ['happy/1.png', 'happy/session 2/2.jpg', 'sad/3.WEBP', 'sad/4.tif']);
      assert.ok(lines.some((l) => /image-folder: left out 2 entries that are not .* images \(\.bmp, \.txt; e\.g\. sad\/5\.bmp, sad\/notes\.txt\)\. Convert/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('left out 1 image(s) in no class folder (e.g. 6.png)')), lines.join('\n'));
    });

    it('fedro reads the class folders inside the one folder its archive unpacked to', async () => {
      const root = join(tmp.dir, 'FED-RO-zip');
      await image(join(root, 'FED_RO', 'happy', 'occ_img_1.jpg'), 40, 40, 3, 50, 'jpeg');
      await image(join(root, 'FED_RO', 'Sad', 'occ_img_2.jpg'), 40, 40, 3, 50, 'jpeg');
      text(join(root, '__MACOSX', 'FED_RO', '._happy'), 'x');
      const lines: string[] = [];
      const d = await dataset({ type: 'fedro', options: { root } }, (l) => lines.push(l));
      assert.equal(d.title, 'FED-RO (2 of 400 images)');
      assert.ok(lines.some((l) => l.startsWith('FED-RO: reading the class folders inside') && l.endsWith('FED_RO')), lines.join('\n'));
    });

    it('fedro skips ._ twins', async () => {
      const root = join(tmp.dir, 'FED-RO-mac');
      await image(join(root, 'sad', 'occ_img_1.jpg'), 40, 40, 3, 50, 'jpeg');
      appleDouble(join(root, 'sad', 'occ_img_1.jpg'));
      const d = await dataset({ type: 'fedro', options: { root } });
      assert.equal(d.title, 'FED-RO (1 of 400 images)');
      assert.deepEqual((await d.open('test', 32)).skipped, []);
    });

    it("a phone photo stored sideways (EXIF orientation 6) is read upright, as a viewer shows it", async () => {
      // Stored 40 wide and 20 high, left half red and right half blue; shown turned 90° clockwise: red on top.
      const raw = Buffer.alloc(40 * 20 * 3);
      for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw[(y * 40 + x) * 3 + (x < 20 ? 0 : 2)] = 255;
      const root = join(tmp.dir, 'phone');
      mkdirSync(join(root, 'happy'), { recursive: true });
      await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(join(root, 'happy', 'IMG_0001.JPG'));
      const s = (await (await dataset({ type: 'image-folder', options: { root, testFraction: 0 } })).open('train', 32)).get(0);
      const px = (x: number, y: number) => Array.from(s.image.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
      for (const x of [2, 16, 29]) {
        assert.ok(px(x, 3)[0] > 200 && px(x, 3)[2] < 50, `top row is red, got ${px(x, 3)}`);
        assert.ok(px(x, 28)[2] > 200 && px(x, 28)[0] < 50, `bottom row is blue, got ${px(x, 28)}`);
      }
    });
  });

  describe('fedro and image-folder', () => {
    it('fedro reads class folders, the "neural" spelling included, and reports the count found', async () => {
      const root = join(tmp.dir, 'FED-RO');
      await image(join(root, 'neural', 'occ_img_1.jpg'), 40, 40, 3, 50, 'jpeg');
      await image(join(root, 'happy', 'occ_img_2.jpg'), 40, 40, 3, 50, 'jpeg');
      const d = await dataset({ type: 'fedro', options: { root } });
      assert.equal(d.title, 'FED-RO (2 of 400 images)');
      const t = await d.open('test', 32);
      assert.deepEqual([0, 1].map((i) => d.classes[t.get(i).label]).sort(), ['happy', 'neutral']);
    });

    it('image-folder maps folders through classMap and explains an unknown folder', async () => {
      const root = join(tmp.dir, 'mine');
      await image(join(root, 'train', 'joy', '1.png'), 20, 20, 3, 10);
      await image(join(root, 'test', 'joy', '2.png'), 20, 20, 3, 10);
      await image(join(root, 'train', 'sad', '3.png'), 20, 20, 3, 10);
      await assert.rejects(dataset({ type: 'image-folder', options: { root } }), /folder\(s\) "joy" .* are not canonical classes\. .*Map them with the "classMap" option/);
      const d = await dataset({ type: 'image-folder', options: { root, classMap: { joy: 'happy' } } });
      assert.deepEqual(d.classes, ['happy', 'sad']);
      assert.equal((await d.open('train', 32)).length, 2);
      assert.equal((await d.open('test', 32)).length, 1);
    });
  });
});
