import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SyntheticFaces } from '../../plugins/datasets/synthetic-faces/generator.js';
import { CANONICAL_CLASSES } from '../../framework/data/labels.js';

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('synthetic faces', () => {
  it('the same (preset, seed, index) gives byte-identical images; another index a different face', () => {
    const a = new SyntheticFaces({ preset: 'wild', seed: 0, classes: 'C7' });
    const b = new SyntheticFaces({ preset: 'wild', seed: 0, classes: 'C7' });
    const s1 = a.sample('train', 17, 48);
    assert.equal(digest(s1.image), digest(b.sample('train', 17, 48).image));
    assert.deepEqual(s1.regions, b.sample('train', 17, 48).regions);
    assert.notEqual(digest(s1.image), digest(a.sample('train', 18, 48).image));
    assert.notEqual(digest(s1.image), digest(new SyntheticFaces({ preset: 'wild', seed: 1, classes: 'C7' }).sample('train', 17, 48).image));
  });

  it('keeps train and test subjects disjoint', () => {
    const g = new SyntheticFaces({ preset: 'lab', seed: 0, classes: 'C7' });
    const train = new Set(Array.from({ length: 300 }, (_, i) => g.sample('train', i, 24).subject));
    const test = new Set(Array.from({ length: 100 }, (_, i) => g.sample('test', i, 24).subject));
    for (const s of test) assert.ok(!train.has(s), `${s} is in both splits`);
  });

  it('draws the wild preset with RAF-DB\'s class imbalance and the lab preset roughly balanced', () => {
    const count = (preset: 'lab' | 'wild') => {
      const g = new SyntheticFaces({ preset, seed: 0, classes: 'C7' });
      const c = new Array(7).fill(0);
      for (let i = 0; i < 700; i++) c[g.sample('train', i, 16).label]++;
      return c;
    };
    const wild = count('wild');
    assert.ok(wild[1] > 3 * wild[4], `happy ${wild[1]} should dwarf fear ${wild[4]}`);
    count('lab').forEach((n) => assert.ok(n > 60 && n < 140, `lab class count ${n}`));
  });

  it('C8 adds contempt; C7 does not', () => {
    assert.equal(new SyntheticFaces({ preset: 'lab', seed: 0, classes: 'C8' }).classes.length, 8);
    assert.deepEqual(new SyntheticFaces({ preset: 'lab', seed: 0, classes: 'C7' }).classes, CANONICAL_CLASSES.slice(0, 7));
  });

  it('puts the eye box above the mouth box, inside the image, at 64, 112 and 224 px', () => {
    for (const size of [64, 112, 224]) {
      const s = new SyntheticFaces({ preset: 'lab', seed: 0, classes: 'C7' }).sample('test', 3, size);
      assert.equal(s.image.length, size * size * 3);
      const { eyes, mouth } = s.regions!;
      assert.ok(eyes!.y + eyes!.h / 2 < mouth!.y + mouth!.h / 2);
      for (const b of [eyes!, mouth!]) assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= size && b.y + b.h <= size && b.w > size / 10);
    }
  });
});
