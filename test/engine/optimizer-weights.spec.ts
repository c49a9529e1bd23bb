import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Adam, cosineRestartsLr } from '../../framework/engine/adam.js';
import { loadPretrained } from '../../framework/engine/pretrained.js';
import { simdKernels } from '../../framework/engine/kernels/simd/pool.js';
import { Rng } from '../../framework/engine/rng.js';
import { onCpu, useWasm } from '../helpers/backend.js';
import { maxRelErr, randnValues } from '../helpers/compare.js';
import { changed, snapshot, tinyModel } from '../helpers/model.js';
import { tempDir } from '../helpers/tmp.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe('optimiser, schedule and pretrained weights', () => {
  before(useWasm);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('Adam: one step by hand, with L2 weight decay added to the gradient, and decoupled (AdamW)', () => {
    for (const [decoupled, expected] of [
      // L2: g = 0.5 + 0.1·1 = 0.6; m̂ = 0.6, v̂ = 0.36 → w = 1 − 0.1·0.6/0.6 = 0.9
      [false, 0.9],
      // AdamW: m̂ = 0.5, v̂ = 0.25 → 1 − 0.1 = 0.9, then − lr·wd·w = 0.01 → 0.89
      [true, 0.89],
    ] as const) {
      const w = tf.variable(tf.scalar(1));
      const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decoupled });
      opt.apply('g', new Map([['w', w]]), { w: tf.scalar(0.5) }, 0.1);
      close(w.dataSync()[0], expected, 1e-6);
      opt.dispose();
      w.dispose();
    }
  });

  it("Adam on wasm is one SIMD kernel per variable and equals the tfjs-op form (cpu) over three steps; a clone taken before keeps its values", async () => {
    const r = new Rng(3);
    const shapes = [[5], [3, 3, 3, 8], [1], [7, 6]];
    const init = shapes.map((s) => randnValues(s, r));
    const gradsAt = [0, 1, 2].map(() => shapes.map((s) => randnValues(s, r)));
    for (const decoupled of [false, true]) {
      const run = () => {
        const vars = new Map(shapes.map((s, i) => [`v${i}`, tf.variable(tf.tensor(init[i], s))]));
        const clone = tf.clone(vars.get('v1')!);
        const opt = new Adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, decoupled });
        for (const [step, gs] of gradsAt.entries()) {
          const grads = Object.fromEntries(gs.map((g, i) => [`v${i}`, tf.tensor(g, shapes[i])]));
          opt.apply('g', vars, grads, 1e-2 * (step + 1));
          tf.dispose(Object.values(grads));
        }
        const out = [...vars.values()].map((v) => Array.from(v.dataSync()));
        const moments = [...opt.state().tensors.values()].map((t) => Array.from(t.dataSync()));
        const cloneKept = Array.from(clone.dataSync()).every((x, i) => x === init[1][i]);
        opt.dispose();
        tf.dispose([...vars.values(), clone]);
        return { out, moments, cloneKept };
      };
      const ref = await onCpu(run);
      const k = simdKernels()!;
      const orig = k.run.bind(k);
      let calls = 0;
      k.run = (name, args) => (name === 'adam' && calls++, orig(name, args));
      let mine: ReturnType<typeof run>;
      try {
        mine = run();
      } finally {
        k.run = orig;
      }
      assert.equal(calls, 3 * shapes.length, 'one kernel call per variable and step');
      mine.out.forEach((o, i) => assert.ok(maxRelErr(o, ref.out[i]) < 1e-6, `w${i}: ${maxRelErr(o, ref.out[i])}`));
      mine.moments.forEach((o, i) => assert.ok(maxRelErr(o, ref.moments[i]) < 1e-6, `moment ${i}: ${maxRelErr(o, ref.moments[i])}`));
      assert.ok(mine.cloneKept && ref.cloneKept, 'a clone of a variable is never written');
    }
  });

  it('cosine periodic learning rate: lr_max at each period start, lr_min at its end, mid-way the mean', () => {
    close(cosineRestartsLr(0, 1e-3, 1e-5, 30), 1e-3);
    close(cosineRestartsLr(15, 1e-3, 1e-5, 30), (1e-3 + 1e-5) / 2);
    close(cosineRestartsLr(29.9999, 1e-3, 1e-5, 30), 1e-5, 1e-9);
    close(cosineRestartsLr(30, 1e-3, 1e-5, 30), 1e-3);
  });

  it('loads pretrained weights by name and checks every shape', async () => {
    const src = await tinyModel('M_Res', 1);
    const dst = await tinyModel('M_Res', 2);
    const params = src.backbone.params;
    const all = [...params.trainable, ...params.state];
    // A tfjs weights manifest the way tensorflowjs_converter writes it (names under a model scope).
    const weights = all.map(([name, v]) => ({ name: `resnet/${name.slice('backbone/'.length)}`, shape: v.shape, dtype: 'float32' as const }));
    const data = Buffer.concat(all.map(([, v]) => Buffer.from((v.dataSync() as Float32Array).buffer)));
    writeFileSync(join(tmp.dir, 'w.bin'), data);
    writeFileSync(join(tmp.dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['w.bin'], weights }] }));
    const before = snapshot(new Map(all));
    assert.equal(loadPretrained(join(tmp.dir, 'model.json'), dst.backbone.params, 'backbone'), all.length);
    assert.deepEqual(changed(before, new Map([...dst.backbone.params.trainable, ...dst.backbone.params.state])), []);

    const bad = JSON.parse(readFileSync(join(tmp.dir, 'model.json'), 'utf8'));
    bad.weightsManifest[0].weights[0].shape = [1, 1, 1, 1];
    bad.weightsManifest[0].weights = bad.weightsManifest[0].weights.filter((w: { name: string }) => !w.name.endsWith('conv5_block1_2_bn/gamma'));
    writeFileSync(join(tmp.dir, 'bad.json'), JSON.stringify(bad));
    assert.throws(() => loadPretrained(join(tmp.dir, 'bad.json'), dst.backbone.params, 'backbone'), /do not fit this backbone .*conv1_conv\/kernel: file has \[1,1,1,1\], model needs \[3,3,3,4\].*missing conv5_block1_2_bn\/gamma/);
    assert.throws(() => loadPretrained(join(tmp.dir, 'nope.json'), dst.backbone.params, 'backbone'), /no such file.*"pretrained": null/);
    src.dispose();
    dst.dispose();
  });
});
