import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { loadExperiment } from '../../framework/cli/session.js';
import { subjectFolds } from '../../framework/data/subject-folds.js';
import { expandCells } from '../../framework/runs/cells.js';
import { DataCache } from '../../framework/data/data-cache.js';
import { useWasm } from '../helpers/backend.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('fer-run-folds-');

/** <root>/<class>/S0xx_yy.png: 7 people, 2 classes, 3 images each of a class (the value encodes the person). */
async function photoTree(root: string): Promise<void> {
  for (let p = 1; p <= 7; p++) {
    for (const [k, cls] of ['happy', 'sad'].entries()) {
      for (let j = 0; j < 3; j++) {
        const file = join(root, cls, `S0${p}_${k}${j}.png`);
        mkdirSync(dirname(file), { recursive: true });
        await sharp(Buffer.alloc(20 * 20 * 3, 30 * p + j), { raw: { width: 20, height: 20, channels: 3 } }).png().toFile(file);
      }
    }
  }
}

/** A manifest training image-folder with k subject folds, the same dataset as its test column. */
function foldsManifest(root: string, subjects: Record<string, unknown> | undefined, folds = 3): Record<string, any> {
  const data = { type: 'image-folder', options: { root, ...(subjects ? { subjects } : {}) } };
  const m = tinyManifest({ name: 'photos-folds' });
  m.trainings.lab = { ...m.trainings.lab, datasets: [data], folds };
  m.rows = [m.rows[0]];
  m.columns = [{ name: 'clean', training: 'lab', test: { dataset: data }, evals: [{ label: 'clean' }] }];
  return m;
}

describe('subjects and subject-independent folds for any dataset', () => {
  const root = join(tmp.dir, 'photos');
  before(async function () {
    useWasm();
    await photoTree(root);
  });
  after(() => tmp.cleanup());

  it('subjects are dealt to folds round-robin after a fixed shuffle: each in exactly one fold, fold sizes within one', () => {
    const people = Array.from({ length: 23 }, (_, i) => `p${i}`);
    const f = subjectFolds([...people, ...people], 5);
    assert.equal(f.size, 23);
    const sizes = [0, 1, 2, 3, 4].map((k) => [...f.values()].filter((v) => v === k).length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, String(sizes));
    assert.deepEqual(subjectFolds([...people].reverse(), 5), f, 'the order samples come in does not matter');
  });

  it('image-folder takes subjects from a regex on the path: k folds keep each person on one side, and every image is held out exactly once', async () => {
    const file = tmp.write('m.json', foldsManifest(root, { regex: '/(S\\d+)_' }));
    const { resolved, registry } = await loadExperiment(file, {});
    const cells = expandCells(resolved, 'wasm');
    assert.equal(cells.length, 3);
    const data = new DataCache(registry, join(tmp.dir, 'cache'), () => {});
    const heldOut: string[] = [];
    for (const cell of cells) {
      const train = await data.open(cell.config.training.datasets[0], 'train', 32);
      const test = await data.open(cell.evaluations[0].config.test.dataset, 'test', 32);
      const people = (s: typeof train) => new Set(Array.from({ length: s.length }, (_, i) => s.get(i).subject!));
      assert.equal(train.length + test.length, 42, `fold ${cell.fold}: every image on one side`);
      assert.deepEqual([...people(train)].filter((p) => people(test).has(p)), [], `fold ${cell.fold}: nobody in both train and test`);
      for (let i = 0; i < test.length; i++) heldOut.push(test.get(i).id);
    }
    assert.equal(new Set(heldOut).size, 42, 'each image held out in exactly one fold');
  });

  it('or from a CSV of file,subject; the hash split without folds keeps a person on one side too', async () => {
    const lines = ['file,subject'];
    for (const cls of ['happy', 'sad']) for (let p = 1; p <= 7; p++) for (let j = 0; j < 3; j++) lines.push(`${cls}/S0${p}_${cls === 'happy' ? 0 : 1}${j}.png,person-${p}`);
    writeFileSync(join(root, 'subjects.csv'), lines.join('\n') + '\n');
    const { registry } = await loadExperiment(tmp.write('csv.json', foldsManifest(root, { csv: 'subjects.csv' })), {});
    const data = new DataCache(registry, join(tmp.dir, 'cache'), () => {});
    const ref = { type: 'image-folder', options: { root, subjects: { csv: 'subjects.csv' }, testFraction: 0.5 } };
    const train = await data.open(ref, 'train', 32);
    const test = await data.open(ref, 'test', 32);
    const people = (s: typeof train) => new Set(Array.from({ length: s.length }, (_, i) => s.get(i).subject!));
    assert.ok(test.length > 0 && train.length > 0, `${train.length} train, ${test.length} test`);
    assert.equal(train.length + test.length, 42);
    assert.ok([...people(test)].every((p) => p.startsWith('person-') && !people(train).has(p)));
  });

  it('images the regex or the CSV leaves without a subject: exit 2 naming them', async () => {
    const run = (file: string) => cli('run', file, '--backend', 'wasm', '--runs', join(tmp.dir, 'runs'), '--cache', join(tmp.dir, 'cache'), '--no-report');
    const r = await run(tmp.write('bad-re.json', foldsManifest(root, { regex: '/(S0[1-6])_' })));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /image-folder: 6 of 42 images get no subject from subjects\.regex "\/\(S0\[1-6\]\)_" \(its first group\), e\.g\. happy\/S07_00\.png/);
    writeFileSync(join(root, 'partial.csv'), 'happy/S01_00.png,p1\n');
    const c = await run(tmp.write('bad-csv.json', foldsManifest(root, { csv: 'partial.csv' })));
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, /41 of 42 images get no subject from subjects\.csv partial\.csv.*Add a line for each of them/);
  });

  it('"folds" on a dataset whose samples have no subjects: exit 2 saying how to give them', async () => {
    const m = foldsManifest(root, undefined);
    const r = await cli('run', tmp.write('nosub.json', m), '--backend', 'wasm', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'), '--no-report');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /"folds" needs every sample's subject, and 42 of its 42 samples have none\. Give the subjects \(image-folder: the "subjects" option/);
  });

  it('a k-fold run on your own photos trains one model per fold and reports the held-out predictions pooled over the folds', async () => {
    const m = foldsManifest(root, { regex: '/(S\\d+)_' });
    const r = await cli('run', tmp.write('run.json', m), '--backend', 'wasm', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 cell\(s\): 3 trained/);
    const csv = readFileSync(join(tmp.dir, 'reports', 'photos-folds', 'table.csv'), 'utf8');
    // Pooled: the accuracy is a count over all 42 held-out images.
    const acc = Number(/M_Res[^\n]*?,(0\.\d+|1(?:\.0+)?)/.exec(csv)?.[1]);
    assert.ok(Number.isInteger(Math.round(acc * 42 * 1e6) / 1e6), `${acc} is k/42: ${csv}`);
  });
});
