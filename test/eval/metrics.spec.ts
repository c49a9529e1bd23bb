import assert from 'node:assert/strict';
import { auc, confusionMatrix, iou, perClassAccuracy } from '../../framework/eval/metrics.js';
import { Rng } from '../../framework/engine/rng.js';
import { discordant, mcnemarExact, mean, std } from '../../framework/report/stats.js';

/** The Mann–Whitney count by brute force: positive–negative pairs won (ties half) and pairs. */
function pairwise(scores: ArrayLike<number>, labels: ArrayLike<number>): { wins: number; pairs: number } {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) for (let j = 0; j < scores.length; j++) {
    if (labels[i] !== 1 || labels[j] !== 0) continue;
    pairs++;
    wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }
  return { wins, pairs };
}

describe('metrics', () => {
  it('confusion matrix and per-class accuracy', () => {
    const m = confusionMatrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 4);
    assert.deepEqual(m, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]);
    assert.deepEqual(perClassAccuracy(m), [0.5, 1, 0, null]);
  });

  it('IoU of binary masks', () => {
    assert.equal(iou([1, 1, 0, 0], [1, 0, 1, 0]), 1 / 3);
    assert.equal(iou([0, 0], [0, 0]), 1);
  });

  it('AUC by ranks, with ties counted half', () => {
    assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(auc([0.5, 0.5], [0, 1]), 0.5);
    assert.equal(auc([1, 2, 3], [0, 0, 0]), null);
  });

  it('AUC equals the pairwise Mann–Whitney count on random scores with many ties', () => {
    const rng = new Rng(7);
    for (const n of [2, 3, 17, 400]) {
      // Scores on a coarse grid, so that ties within and across the classes are common.
      const scores = Array.from({ length: n }, () => Math.round(rng.next() * 10) / 10);
      const labels = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
      const { wins, pairs } = pairwise(scores, labels);
      const got = auc(scores, labels);
      if (pairs === 0) assert.equal(got, null);
      else assert.ok(Math.abs(got! - wins / pairs) < 1e-12, `n=${n}: ${got} vs ${wins / pairs}`);
    }
  });

  it('AUC of float32 scores of both signs (logits, -0 and 0 tied) equals the pairwise count', () => {
    const rng = new Rng(11);
    const n = 3000;
    const scores = Float32Array.from({ length: n }, (_, i) => (i % 50 === 0 ? (i % 100 === 0 ? -0 : 0) : (rng.next() - 0.5) * 2 ** (rng.next() * 40 - 20)));
    const labels = Array.from({ length: n }, (_, i) => (rng.next() < 0.5 + 0.3 * Math.sign(scores[i]) ? 1 : 0));
    const { wins, pairs } = pairwise(scores, labels);
    const got = auc(scores, labels)!;
    assert.ok(got > 0.6, `scores and labels are correlated (${got})`);
    assert.ok(Math.abs(got - wins / pairs) < 1e-12, `${got} vs ${wins / pairs}`);
  });

  it('mean and sample standard deviation', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(std([1, 2, 3]), 1);
    assert.equal(std([5]), 0);
  });

  it('exact McNemar test', () => {
    // b = 0, c = 5: p = 2 · 0.5^5 = 0.0625.
    assert.ok(Math.abs(mcnemarExact(0, 5) - 0.0625) < 1e-12);
    // b = 1, c = 9: p = 2 · (1 + 10) / 1024.
    assert.ok(Math.abs(mcnemarExact(1, 9) - 22 / 1024) < 1e-12);
    assert.equal(mcnemarExact(4, 4), 1);
    assert.equal(mcnemarExact(0, 0), 1);
    assert.deepEqual(discordant('1100', '1010'), { aOnly: 1, bOnly: 1 });
  });
});
