import assert from 'node:assert/strict';
import { epochPlan, occlusionPrior } from '../../framework/data/training-mix.js';
import { downsampleMask } from '../../framework/data/mask.js';
import { Rng } from '../../framework/engine/rng.js';

describe('training mix', () => {
  it('pairs every clean image with an occluded copy of itself at mix 0.5 (the paper\'s 1:1)', () => {
    const plan = epochPlan(100, 16, 0.5, new Rng(1));
    const seen = new Set<number>();
    for (const batch of plan) {
      const clean = batch.filter((b) => !b.occluded).map((b) => b.index);
      const occ = batch.filter((b) => b.occluded).map((b) => b.index);
      assert.deepEqual(clean, occ);
      clean.forEach((i) => seen.add(i));
    }
    assert.equal(seen.size, 100, 'an epoch covers every sample');
    assert.deepEqual(occlusionPrior(plan), [0.5, 0.5]);
  });

  it('honours other ratios and a short last batch', () => {
    const plan = epochPlan(10, 8, 0.25, new Rng(2));
    assert.equal(plan[0].length, 8);
    assert.equal(plan[0].filter((b) => b.occluded).length, 2);
    const prior = occlusionPrior(plan);
    assert.ok(Math.abs(prior[1] - 0.25) < 0.05, `prior ${prior}`);
    assert.deepEqual(occlusionPrior(epochPlan(10, 8, 0, new Rng(2))), [1, 0]);
  });

  it('is deterministic in the seed', () => {
    assert.deepEqual(epochPlan(50, 8, 0.5, new Rng(3)), epochPlan(50, 8, 0.5, new Rng(3)));
    assert.notDeepEqual(epochPlan(50, 8, 0.5, new Rng(3)), epochPlan(50, 8, 0.5, new Rng(4)));
  });
});

describe('mask resizing to φ\'s resolution', () => {
  it('takes each cell\'s occluded fraction, thresholded at 0.5', () => {
    // 4×4 mask → 2×2: top-left cell fully occluded, top-right half (→1), bottom-left one pixel of four (→0).
    const m = new Uint8Array([1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(downsampleMask(m, 4, 2, 2)), [1, 1, 0, 0]);
  });
});

describe('Rng', () => {
  it('derives independent, reproducible streams by path', () => {
    const a = Rng.derive(1, 'x');
    const b = Rng.derive(1, 'x');
    const c = Rng.derive(1, 'y');
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextU32()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.nextU32()));
  });

  it('restores from its state', () => {
    const a = new Rng(9);
    a.next();
    const r = Rng.fromState(a.state());
    assert.equal(r.nextU32(), a.nextU32());
  });

  it('draws uniform integers and normals with the right moments', () => {
    const r = new Rng(5);
    const counts = [0, 0, 0, 0];
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 40000; i++) {
      counts[r.int(4)]++;
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    counts.forEach((c) => assert.ok(Math.abs(c - 10000) < 400));
    assert.ok(Math.abs(s / 40000) < 0.02);
    assert.ok(Math.abs(s2 / 40000 - 1) < 0.03);
  });
});
