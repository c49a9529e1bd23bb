import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SampleSource } from '../../framework/data/dataset.js';
import { train } from '../../framework/engine/trainer.js';
import { Rng } from '../../framework/engine/rng.js';
import { useWasm } from '../helpers/backend.js';
import { tinyModel } from '../helpers/model.js';
import { tempDir } from '../helpers/tmp.js';

/** Three classes told apart by which colour channel is bright: separable, with noise. */
function separable(n: number, size: number): SampleSource {
  const r = new Rng(3);
  const samples = Array.from({ length: n }, (_, i) => {
    const label = i % 3;
    const image = new Uint8Array(size * size * 3);
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) image[p * 3 + c] = Math.min(255, (c === label ? 150 : 60) + r.int(80));
    return { id: String(i), image, label };
  });
  return { length: n, get: (i) => samples[i], skipped: [] };
}

describe('learning', () => {
  before(useWasm);

  it('a small model reaches > 90% training accuracy on a small separable set within seconds', async () => {
    const tmp = tempDir();
    try {
      const model = await tinyModel('M_Res', 1, 16, 3);
      const history = await train({
        model,
        source: separable(96, 16),
        occluder: null,
        training: { datasets: [], split: 'train', mix: 0, epochs: 12, batchSize: 16, limit: null },
        optimizer: { type: 'adam', lr: 0.01, weightDecay: 1e-4, decoupled: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: { type: 'constant', period: 30, min: 0 } },
        lambda1: 0.1,
        lambda2: 0.1,
        seed: 1,
        imageSize: 16,
        checkpointFile: join(tmp.dir, 'c.ckpt'),
        metricsFile: join(tmp.dir, 'm.jsonl'),
      });
      model.dispose();
      const last = history[history.length - 1];
      assert.ok(last.trainAccuracy > 0.9, `training accuracy ${last.trainAccuracy}`);
      assert.ok(history[0].loss > last.loss);
    } finally {
      tmp.cleanup();
    }
  });
});
