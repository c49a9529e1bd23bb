import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { pathToFileURL } from 'node:url';
import { ALIGN_DROP, ALIGN_SIDE } from '../../framework/data/face-align.js';
import { PROJECT_ROOT } from '../../framework/paths.js';
import type { Dataset, Sample } from '../../framework/data/dataset.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import { useWasm } from '../helpers/backend.js';
import { registry_ } from '../helpers/model.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('fer-run-align-');
const cache = join(tmp.dir, 'cache');

async function build(type: string, options: Record<string, unknown>, imageSize: number): Promise<Dataset> {
  return createBuildContext({ registry: await registry_(), seed: 0, imageSize, cacheDir: cache }).build('dataset', { type, options });
}

/**
 * The detection counter of the module instance the plugins use: mocha loads this spec's static
 * imports as CommonJS, while plugins are imported as ES modules, so each graph has its own copy.
 */
async function faceDetectionRuns(): Promise<number> {
  const m = (await import(pathToFileURL(join(PROJECT_ROOT, 'framework/data/face-align.ts')).href)) as { faceDetectionRuns(): number };
  return m.faceDetectionRuns();
}

const centre = (b: { x: number; y: number; w: number; h: number }) => [b.x + b.w / 2, b.y + b.h / 2];

describe('face alignment (face-api SSD-MobileNet + 68 landmarks) for photo datasets', function () {
  this.timeout(120_000);
  const root = join(tmp.dir, 'photos');
  /** The true eye-box centre of each photo, in the photo's pixels. */
  const truth = new Map<string, number[]>();
  const FACES = 6;

  before(async function () {
    useWasm();
    // fer-run's own faces drawn at 224 px (their eye boxes known), pasted at different places of larger photos, plus one photo with no face.
    const faces = await (await build('synthetic-faces', { preset: 'wild', train: 8, test: FACES }, 224)).open('test', 224);
    for (let i = 0; i < FACES; i++) {
      const s: Sample = faces.get(i);
      const [W, H, left, top] = [300 + 20 * i, 320, 10 + 12 * i, 40 + 7 * i];
      const file = join(root, i % 2 ? 'happy' : 'sad', `p${i}.png`);
      mkdirSync(dirname(file), { recursive: true });
      await sharp({ create: { width: W, height: H, channels: 3, background: { r: 90, g: 110, b: 130 } } })
        .composite([{ input: Buffer.from(s.image), raw: { width: 224, height: 224, channels: 3 }, left, top }])
        .png()
        .toFile(file);
      const [cx, cy] = centre(s.regions!.eyes!);
      truth.set(file.slice(root.length + 1), [cx + left, cy + top]);
    }
    await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toFile(join(root, 'happy', 'wall.png'));
  });
  after(() => tmp.cleanup());

  it('finds every face, crops it by the eye rule with its eye and mouth boxes, and skips and lists the photo without a face', async () => {
    const runs = await faceDetectionRuns();
    const d = await build('image-folder', { root, align: true, testFraction: 0, maxBadFraction: 0.2 }, 64);
    assert.match(d.title, /faces aligned by fer-run/);
    const train = await d.open('train', 64);
    assert.equal((await faceDetectionRuns()) - runs, FACES + 1, 'each photo looked at once');
    assert.deepEqual(train.skipped, [{ id: 'happy/wall.png', reason: 'no face detected' }]);
    assert.equal(train.length, FACES);
    // The eyes' midpoint lands where the rule puts it: centred, 0.45·d above the crop's centre (d = side / 2.3).
    const expected = [32, 32 - (ALIGN_DROP / ALIGN_SIDE) * 64];
    for (let i = 0; i < train.length; i++) {
      const s = train.get(i);
      assert.ok(s.regions?.eyes && s.regions.mouth, `${s.id} has eye and mouth boxes`);
      const [ex, ey] = centre(s.regions.eyes);
      assert.ok(Math.hypot(ex - expected[0], ey - expected[1]) < 3, `${s.id}: eyes at ${ex.toFixed(1)},${ey.toFixed(1)}, expected ${expected.map((v) => v.toFixed(1))}`);
      assert.ok(centre(s.regions.mouth)[1] > 40, `${s.id}: the mouth below the eyes, in the lower part`);
    }
  });

  it('the detected eyes match the true eyes of the drawn faces', async () => {
    const { FaceDetections, eyeCentres } = await import('../../framework/data/face-align.js');
    const faces = new FaceDetections(join(tmp.dir, 'probe.json'));
    for (const [rel, [tx, ty]] of truth) {
      const det = await faces.detect(join(root, rel));
      assert.ok(det, `${rel}: a face`);
      const { left, right } = eyeCentres(det.landmarks);
      const [mx, my] = [(left[0] + right[0]) / 2, (left[1] + right[1]) / 2];
      assert.ok(Math.hypot(mx - tx, my - ty) < 6, `${rel}: detected eye midpoint ${mx.toFixed(1)},${my.toFixed(1)} vs true ${tx.toFixed(1)},${ty.toFixed(1)}`);
    }
  });

  it("a 10-megapixel phone photo stored sideways (EXIF orientation 6): the face is found upright, its landmarks in the upright photo's pixels", async () => {
    const { FaceDetections, eyeCentres } = await import('../../framework/data/face-align.js');
    const [rel, [tx, ty]] = [...truth][0];
    const scale = 10;
    // The first test photo at ×10 (3000 × 3200), stored as a phone does: pixels turned 90° anticlockwise, with the tag that turns them back.
    const file = join(tmp.dir, 'phone', 'IMG_0001.JPG');
    mkdirSync(dirname(file), { recursive: true });
    const big = await sharp(join(root, rel)).resize({ width: 300 * scale }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    await sharp(big.data, { raw: { width: big.info.width, height: big.info.height, channels: 3 } }).rotate(-90).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(file);
    const det = await new FaceDetections(join(tmp.dir, 'phone.json')).detect(file);
    assert.ok(det, 'a face');
    const { left, right } = eyeCentres(det.landmarks);
    const [mx, my] = [(left[0] + right[0]) / 2, (left[1] + right[1]) / 2];
    assert.ok(Math.hypot(mx - tx * scale, my - ty * scale) < 6 * scale, `eye midpoint ${mx.toFixed(0)},${my.toFixed(0)} vs true ${(tx * scale).toFixed(0)},${(ty * scale).toFixed(0)}`);
  });

  it('a second run, even at another image size, detects nothing again (detections cached beside the decoded images)', async () => {
    const runs = await faceDetectionRuns();
    const d = await build('image-folder', { root, align: true, testFraction: 0, maxBadFraction: 0.2 }, 40);
    const train = await d.open('train', 40);
    assert.equal(train.length, FACES);
    assert.equal(await faceDetectionRuns(), runs);
  });

  it('a split whose aligned images are cached does not even read the detections file (AffectNet\'s is hundreds of MB)', async () => {
    const { existsSync, readdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const files = readdirSync(cache)
      .filter((d) => d.startsWith('image-folder-'))
      .map((d) => join(cache, d, 'face-detections.jsonl'))
      .filter((f) => existsSync(f));
    assert.ok(files.length > 0, 'the earlier tests cached detections');
    const saved = files.map((f) => readFileSync(f));
    const { mkdirSync: mkdir, rmSync } = await import('node:fs');
    try {
      // A directory in the file's place: reading it would throw.
      for (const f of files) (rmSync(f), mkdir(f));
      const train = await (await build('image-folder', { root, align: true, testFraction: 0, maxBadFraction: 0.2 }, 64)).open('train', 64);
      assert.equal(train.length, FACES);
    } finally {
      files.forEach((f, i) => (rmSync(f, { recursive: true }), writeFileSync(f, saved[i])));
    }
  });

  it('detections are appended, one JSON line per photo; a last line cut short by a crash costs only its photo', async () => {
    const { FaceDetections } = await import('../../framework/data/face-align.js');
    const { readFileSync, statSync, truncateSync } = await import('node:fs');
    const file = join(tmp.dir, 'append', 'face-detections.jsonl');
    const photos = [...truth.keys()].map((rel) => join(root, rel));
    const first = new FaceDetections(file);
    for (const p of photos.slice(0, 3)) await first.detect(p);
    first.save();
    const before = readFileSync(file, 'utf8');
    assert.equal(before.trim().split('\n').length, 3);
    const second = new FaceDetections(file);
    for (const p of photos.slice(0, 4)) await second.detect(p);
    second.save();
    const after = readFileSync(file, 'utf8');
    assert.ok(after.startsWith(before), 'what was saved is never rewritten');
    assert.equal(after.trim().split('\n').length, 4, 'only the new photo is appended');
    // A crash in the middle of the last line.
    truncateSync(file, statSync(file).size - 20);
    const runs = await faceDetectionRuns();
    const third = new FaceDetections(file);
    for (const p of photos.slice(0, 4)) assert.ok(await third.detect(p));
    assert.equal((await faceDetectionRuns()) - runs, 1, 'the photo whose line was cut is detected again, the other three are not');
    third.save();
    const fourth = new FaceDetections(file);
    for (const p of photos.slice(0, 4)) await fourth.detect(p);
    assert.equal((await faceDetectionRuns()) - runs, 1, 'the re-detection was appended on a line of its own');
  });

  it("rafdb's original photos (Image/original/), aligned by fer-run instead of RAF-DB's own crops; without that folder, exit 2 naming it", async () => {
    const raf = join(tmp.dir, 'RAF-DB');
    mkdirSync(join(raf, 'EmoLabel'), { recursive: true });
    const { writeFileSync, copyFileSync } = await import('node:fs');
    writeFileSync(join(raf, 'EmoLabel', 'list_patition_label.txt'), 'train_00001.jpg 4\ntest_0001.jpg 5\n');
    mkdirSync(join(raf, 'Image', 'aligned'), { recursive: true });
    await assert.rejects(build('rafdb', { root: raf, align: true }, 48), /Image\/original\/train_00001\.jpg\): missing Image\/original \(looked for Image\/original\/original and Image\/original\)\./);
    mkdirSync(join(raf, 'Image', 'original'), { recursive: true });
    const photos = [...truth.keys()];
    for (const [k, name] of ['train_00001', 'test_0001'].entries()) await sharp(join(root, photos[k])).jpeg().toFile(join(raf, 'Image', 'original', `${name}.jpg`));
    copyFileSync(join(raf, 'Image', 'original', 'train_00001.jpg'), join(raf, 'Image', 'aligned', 'train_00001_aligned.jpg'));
    const d = await build('rafdb', { root: raf, align: true }, 48);
    assert.match(d.title, /original photos aligned by fer-run/);
    const train = await d.open('train', 48);
    assert.equal(train.length, 1);
    assert.ok(train.get(0).regions?.eyes && train.get(0).regions?.mouth);
  });

  it('a CK+ copy without Landmarks/ gets its faces, eye and mouth boxes from "align"', async () => {
    const { copyFileSync, writeFileSync } = await import('node:fs');
    const ck = join(tmp.dir, 'CK+');
    const frames = join(ck, 'cohn-kanade-images', 'S005', '001');
    mkdirSync(frames, { recursive: true });
    const photos = [...truth.keys()];
    for (const [k, f] of ['S005_001_00000001.png', 'S005_001_00000002.png'].entries()) copyFileSync(join(root, photos[k]), join(frames, f));
    mkdirSync(join(ck, 'Emotion', 'S005', '001'), { recursive: true });
    writeFileSync(join(ck, 'Emotion', 'S005', '001', 'S005_001_00000002_emotion.txt'), '   5.0000000e+00\n');
    const d = await build('ckplus', { root: ck, folds: 2, align: true }, 48);
    assert.match(d.title, /faces aligned by fer-run/);
    const all = await d.open('all', 48);
    assert.deepEqual(Array.from({ length: all.length }, (_, i) => d.classes[all.get(i).label]), ['neutral', 'happy']);
    for (let i = 0; i < all.length; i++) assert.ok(all.get(i).regions?.eyes && all.get(i).regions?.mouth, `${all.get(i).id} has eye and mouth boxes`);
  });

  it('with the default maxBadFraction, photos without a face fail the dataset with the count and the reason', async () => {
    const d = await build('image-folder', { root, align: true, testFraction: 0 }, 48);
    await assert.rejects(d.open('train', 48), /1 of 7 images could not be read .*happy\/wall\.png \(no face detected\)/);
  });
});
