import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../framework/engine/adam.js';
import { mergeParams } from '../../framework/engine/layers.js';
import { dStep, frStep, trainStep } from '../../framework/engine/train-step.js';
import { useWasm } from '../helpers/backend.js';
import { changed, randomBatch, snapshot, tinyModel, type Variant } from '../helpers/model.js';

const adam = () => new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, decoupled: false });
const cfg = { lambda1: 0.1, lambda2: 0.1, prior: [0.5, 0.5] as [number, number] };

describe('training step: the adversarial alternation', () => {
  before(useWasm);

  it('each variant owns exactly the expected variable roles', async () => {
    const expected: Record<Variant, [boolean, boolean]> = { M_Res: [false, false], M_ResAtt: [true, false], M_ResAdv: [false, true], M_ResAttAdv: [true, true] };
    for (const [variant, [att, adv]] of Object.entries(expected) as [Variant, [boolean, boolean]][]) {
      const m = await tinyModel(variant);
      assert.ok(m.params('extractor').trainable.size > 0);
      assert.ok(m.params('classifier').trainable.size === 2, 'classifier: one dense layer, kernel + bias');
      assert.equal(m.params('attention').trainable.size > 0, att, `${variant} attention`);
      assert.equal(m.params('discriminator').trainable.size > 0, adv, `${variant} discriminator`);
      for (const role of ['extractor', 'attention', 'classifier', 'discriminator'] as const) {
        for (const name of m.params(role).trainable.keys()) {
          const prefix = { extractor: 'backbone/', attention: 'attention/', classifier: 'classifier/', discriminator: 'discriminator/' }[role];
          assert.ok(name.startsWith(prefix), `${name} belongs to ${role}`);
        }
      }
      m.dispose();
    }
  });

  it('the F/R-step updates extractor, attention and classifier, and leaves the discriminator alone', async () => {
    const m = await tinyModel('M_ResAttAdv');
    const opt = adam();
    const batch = randomBatch(m, 8, 16, 3);
    const fr = mergeParams(m.params('extractor'), m.params('attention'), m.params('classifier')).trainable;
    const d = m.params('discriminator').trainable;
    const frBefore = snapshot(fr);
    const dBefore = snapshot(d);
    const out = frStep(m, opt, batch, 1e-2, cfg);
    tf.dispose([out.features, out.total, ...out.terms, out.correct]);
    assert.deepEqual(changed(dBefore, d), [], 'no discriminator variable may change in the F/R-step');
    assert.equal(changed(frBefore, fr).length, fr.size, 'every F/R variable moves');
    tf.dispose(Object.values(batch));
    opt.dispose();
    m.dispose();
  });

  it('the D-step updates only the discriminator', async () => {
    const m = await tinyModel('M_ResAttAdv');
    const opt = adam();
    const batch = randomBatch(m, 8, 16, 3);
    const fr = mergeParams(m.params('extractor'), m.params('attention'), m.params('classifier'));
    const frVars = new Map([...fr.trainable, ...fr.state]);
    const d = m.params('discriminator').trainable;
    const features = tf.randomNormal([8, m.backbone.featureDim]) as tf.Tensor2D;
    const frBefore = snapshot(frVars);
    const dBefore = snapshot(d);
    dStep(m, opt, features, batch.occluded, 1e-2).dispose();
    assert.deepEqual(changed(frBefore, frVars), [], 'no extractor/attention/classifier variable (or BN statistic) may change in the D-step');
    assert.equal(changed(dBefore, d).length, d.size);
    tf.dispose([features, ...Object.values(batch)]);
    opt.dispose();
    m.dispose();
  });

  it('dropped modules drop their loss terms', async () => {
    const m = await tinyModel('M_Res');
    const opt = adam();
    const batch = randomBatch(m, 6, 16, 3);
    const l = trainStep(m, opt, batch, 1e-3, cfg);
    assert.equal(l.noisy, 0);
    assert.equal(l.f, 0);
    assert.equal(l.d, 0);
    assert.ok(Math.abs(l.total - l.emp) < 1e-6);
    tf.dispose(Object.values(batch));
    opt.dispose();
    m.dispose();
  });

  it('the total loss is L_emp + λ1·L_noisy + λ2·L_F (eq. 8)', async () => {
    const m = await tinyModel('M_ResAttAdv');
    const opt = adam();
    const batch = randomBatch(m, 6, 16, 3);
    const l = trainStep(m, opt, batch, 1e-3, { ...cfg, lambda1: 0.3, lambda2: 0.7 });
    assert.ok(l.noisy > 0 && l.f > 0 && l.d > 0);
    assert.ok(Math.abs(l.total - (l.emp + 0.3 * l.noisy + 0.7 * l.f)) < 1e-5);
    tf.dispose(Object.values(batch));
    opt.dispose();
    m.dispose();
  });

  it('the tensor count stays flat over 20 training steps', async () => {
    const m = await tinyModel('M_ResAttAdv');
    const opt = adam();
    const batch = randomBatch(m, 8, 16, 3);
    trainStep(m, opt, batch, 1e-3, cfg); // Adam creates its moments on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) trainStep(m, opt, batch, 1e-3, cfg);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(Object.values(batch));
    opt.dispose();
    m.dispose();
  });

  it('the same seed gives identical initial weights; another seed different ones', async () => {
    const a = await tinyModel('M_ResAttAdv', 7);
    const b = await tinyModel('M_ResAttAdv', 7);
    const c = await tinyModel('M_ResAttAdv', 8);
    const va = snapshot(a.allParams().trainable);
    assert.deepEqual(changed(va, b.allParams().trainable), []);
    assert.ok(changed(va, c.allParams().trainable).length > 0);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('a NaN loss stops training with a clear error', async () => {
    const m = await tinyModel('M_Res');
    const opt = adam();
    const batch = randomBatch(m, 6, 16, 3);
    // Weights gone NaN, as after an exploding step. (NaN images would not do on wasm: XNNPACK's
    // output clamping turns NaN into ±Infinity, and the ReLU after batch norm into zeros.)
    m.allParams().trainable.get('classifier/logits/bias')!.assign(tf.fill([3], NaN));
    assert.throws(() => trainStep(m, opt, batch, 1e-3, cfg), /training diverged: the loss became NaN/);
    tf.dispose(Object.values(batch));
    opt.dispose();
    m.dispose();
  });
});
