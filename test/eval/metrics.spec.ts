import assert from 'node:assert/strict';
import { auc, confusionMatrix, iou, perClassAccuracy } from '../../framework/eval/metrics.js';
import { discordant, mcnemarExact, mean, std } from '../../framework/report/stats.js';

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
