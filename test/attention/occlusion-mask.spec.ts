import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Attention, ForwardState } from '../../framework/engine/modules.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import { useNative, useWasm } from '../helpers/backend.js';
import { registry_ } from '../helpers/model.js';

/** φ as a run builds it, on Res_low features of `shape` (h, w, channels). */
async function phi(options: Record<string, unknown>, shape: [number, number, number]): Promise<Attention> {
  const ctx = createBuildContext({ registry: await registry_(), seed: 5, imageSize: 64, cacheDir: '/tmp/fer-run-test-cache' });
  const plugin = await ctx.build('attention', { type: 'occlusion-mask', options });
  return plugin!.build(shape);
}

for (const [name, use] of [
  ['wasm', useWasm],
  ['native', useNative],
] as const) {
  describe(`φ (occlusion-mask) with a coarse context path, on ${name}`, () => {
    before(async function () {
      await use.call(this);
    });

    it('adds logits that are constant over each upsampled cell, cropped back to an odd Res_low size', async () => {
      const shape: [number, number, number] = [9, 11, 4];
      const local = await phi({ width: 4, layers: 1 }, shape);
      const wide = await phi({ width: 4, layers: 1, context: 2 }, shape);
      const low = tf.randomNormal([2, 9, 11, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
      const s = { training: false, updates: [] };
      const a = local.logits(low, s);
      const b = wide.logits(low, s);
      assert.deepEqual(b.shape, [2, 9, 11, 1]);
      // Same seed and names: the local path is the same; the difference is the coarse path's map.
      const d = tf.sub(b, a).arraySync() as number[][][][];
      let varies = false;
      for (let n = 0; n < 2; n++)
        for (let y = 0; y < 9; y++)
          for (let x = 0; x < 11; x++) {
            const corner = d[n][y - (y % 4)][x - (x % 4)][0];
            assert.ok(Math.abs(d[n][y][x][0] - corner) < 1e-5, `cell (${y}, ${x}) differs from its 4×4 cell's corner`);
            varies ||= Math.abs(corner - d[0][0][0][0]) > 1e-4;
          }
      assert.ok(varies, 'the coarse map is not one constant');
      tf.dispose([low, a, b]);
    });

    it("trains the context path's parameters, without leaking tensors", async () => {
      const wide = await phi({ width: 4, layers: 1, context: 2 }, [16, 16, 4]);
      const low = tf.randomNormal([2, 16, 16, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
      const target = tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 6), 0.7), 'float32');
      const vars = [...wide.params.trainable.values()];
      const nameOf = new Map([...wide.params.trainable].map(([k, v]) => [v.name, k]));
      const step = () => {
        const s: ForwardState = { training: true, updates: [] };
        const out = tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(target, wide.logits(low, s)) as tf.Scalar, vars);
          return Object.fromEntries(Object.entries(grads).map(([k, g]) => [nameOf.get(k) ?? k, tf.max(tf.abs(g)).dataSync()[0]]));
        });
        // The engine folds these into the moving averages; here they are only freed.
        for (const u of s.updates) tf.dispose([u.batchMean, u.batchVariance]);
        return out;
      };
      step();
      const before = tf.memory().numTensors;
      const g = step();
      assert.equal(tf.memory().numTensors, before);
      const context = Object.keys(g).filter((k) => k.includes('context'));
      assert.ok(context.length >= 4, `context parameters: ${context.join(', ')}`);
      for (const k of context) assert.ok(g[k] > 0, `${k} gets no gradient`);
      tf.dispose([low, target]);
    });
  });
}
