import assert from 'node:assert/strict';
import type { Sample } from '../../framework/data/dataset.js';
import type { Occluder } from '../../framework/data/occluder.js';
import { Rng } from '../../framework/engine/rng.js';
import type { PluginRef } from '../../framework/plugin/contract.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import { SyntheticFaces } from '../../plugins/datasets/synthetic-faces/generator.js';
import { registry_ } from '../helpers/model.js';

const S = 64;

async function occluder(ref: PluginRef, seed = 1): Promise<Occluder> {
  const ctx = createBuildContext({ registry: await registry_(), seed, imageSize: S, cacheDir: '/tmp/fer-run-test-cache' });
  return ctx.build('occluder', ref);
}

/** A sample whose pixels are never 0 or 128, so a black or grey block always changes what it covers. */
function testSample(seed = 3): Sample {
  const r = new Rng(seed);
  const image = new Uint8Array(S * S * 3).map(() => 1 + r.int(126));
  return { id: 't', image, label: 0, regions: { eyes: { x: 14, y: 20, w: 36, h: 8 }, mouth: { x: 22, y: 42, w: 20, h: 9 } } };
}

function changedPixels(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(S * S);
  for (let i = 0; i < S * S; i++) out[i] = a[i * 3] !== b[i * 3] || a[i * 3 + 1] !== b[i * 3 + 1] || a[i * 3 + 2] !== b[i * 3 + 2] ? 1 : 0;
  return out;
}

function bbox(mask: Uint8Array) {
  let x0 = S, y0 = S, x1 = -1, y1 = -1;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (mask[y * S + x]) (x0 = Math.min(x0, x)), (y0 = Math.min(y0, y)), (x1 = Math.max(x1, x)), (y1 = Math.max(y1, y));
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('occluders', () => {
  for (const ref of [
    { type: 'block', options: { size: 16 } },
    { type: 'block', options: { size: 24, fill: 'gray' } },
    { type: 'region', options: { region: 'eyes' } },
    { type: 'region', options: { region: 'mouth' } },
  ]) {
    it(`${JSON.stringify(ref)}: the mask is exactly the set of changed pixels`, async () => {
      const occ = await occluder(ref);
      const rng = new Rng(11);
      for (let i = 0; i < 20; i++) {
        const s = testSample(i);
        const { image, mask } = occ.apply(s, S, rng);
        assert.deepEqual(Array.from(mask), Array.from(changedPixels(s.image, image)));
        assert.ok(mask.some((v) => v === 1));
      }
    });
  }

  for (const type of ['objects', 'natural']) {
    it(`${type}: every changed pixel is in the mask, and the mask pixels carry the occluder`, async () => {
      const occ = await occluder({ type });
      const rng = new Rng(12);
      for (let i = 0; i < 30; i++) {
        const s = testSample(i);
        const { image, mask } = occ.apply(s, S, rng);
        const ch = changedPixels(s.image, image);
        let inMask = 0;
        let same = 0;
        for (let k = 0; k < S * S; k++) {
          if (ch[k]) assert.equal(mask[k], 1, 'a changed pixel outside the mask');
          if (mask[k]) (inMask++, ch[k] || same++);
        }
        assert.ok(inMask > 0);
        assert.ok(same / inMask < 0.01, `${same} of ${inMask} masked pixels unchanged`);
      }
    });
  }

  it('block: R8/R16/R24 scale with the image size, and the block stays on the image', async () => {
    for (const [size, side] of [[8, 5], [16, 10], [24, 15]]) {
      const occ = await occluder({ type: 'block', options: { size } });
      const rng = new Rng(size);
      for (let i = 0; i < 50; i++) {
        const { mask } = occ.apply(testSample(), S, rng);
        const b = bbox(mask);
        assert.deepEqual([b.w, b.h], [side, side]);
        assert.equal(mask.reduce((a, v) => a + v, 0), side * side);
      }
    }
  });

  it('objects: width and height each within [1/3.75, 1/2] of the image side over many draws', async () => {
    const occ = await occluder({ type: 'objects' });
    const rng = new Rng(5);
    const lo = Math.round(S / 3.75);
    const hi = Math.round(S / 2);
    for (let i = 0; i < 300; i++) {
      const b = bbox(occ.apply(testSample(), S, rng).mask);
      // Templates are cropped to their drawn pixels, so the visible occluder spans its box (±1 px of resampling).
      for (const side of [b.w, b.h]) assert.ok(side >= lo - 1 && side <= hi, `side ${side} outside [${lo}, ${hi}]`);
      assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= S && b.y + b.h <= S);
    }
  });

  it('the same seed gives the same occlusions; another seed different ones', async () => {
    const a = await occluder({ type: 'objects' }, 1);
    const b = await occluder({ type: 'objects' }, 1);
    const s = testSample();
    const seq = (o: Occluder, seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () => Buffer.from(o.apply(s, S, r).image).toString('base64'));
    };
    assert.deepEqual(seq(a, 7), seq(b, 7));
    assert.notDeepEqual(seq(a, 7), seq(a, 8));
  });

  it('region occluders land on the eyes and mouth of synthetic faces', async () => {
    const g = new SyntheticFaces({ preset: 'wild', seed: 0, classes: 'C7' });
    for (const region of ['eyes', 'mouth'] as const) {
      const occ = await occluder({ type: 'region', options: { region } });
      for (let i = 0; i < 20; i++) {
        const s = g.sample('test', i, S);
        const b = bbox(occ.apply(s, S, new Rng(i)).mask);
        const t = s.regions![region]!;
        const ix = Math.max(0, Math.min(b.x + b.w, t.x + t.w) - Math.max(b.x, t.x));
        const iy = Math.max(0, Math.min(b.y + b.h, t.y + t.h) - Math.max(b.y, t.y));
        assert.ok(ix * iy > 0.3 * t.w * t.h || ix * iy > 0.5 * b.w * b.h, `${region} occluder ${JSON.stringify(b)} misses ${JSON.stringify(t)}`);
      }
    }
  });

  it('region: a dataset without regions is a clear input error', async () => {
    const occ = await occluder({ type: 'region', options: { region: 'mouth' } });
    const s = { ...testSample(), regions: undefined };
    assert.throws(() => occ.apply(s, S, new Rng(1)), /needs the mouth region of each test image, and sample t has none/);
  });
});

describe('objects occluder with user templates', () => {
  it('loads a directory of RGBA PNG templates and pastes their opaque pixels', async () => {
    const { tempDir } = await import('../helpers/tmp.js');
    const sharp = (await import('sharp')).default;
    const tmp = tempDir();
    try {
      // A 20×20 template: opaque red left half, transparent right half.
      const rgba = Buffer.alloc(20 * 20 * 4);
      for (let y = 0; y < 20; y++) for (let x = 0; x < 10; x++) rgba.set([255, 0, 0, 255], (y * 20 + x) * 4);
      await sharp(rgba, { raw: { width: 20, height: 20, channels: 4 } }).png().toFile(`${tmp.dir}/half.png`);
      const occ = await occluder({ type: 'objects', options: { templates: tmp.dir } });
      const s = testSample();
      const { image, mask } = occ.apply(s, S, new Rng(3));
      const b = bbox(mask);
      const area = mask.reduce((a, v) => a + v, 0);
      assert.ok(area > 0 && area === b.w * b.h, 'the opaque half is a filled rectangle');
      for (let k = 0; k < S * S; k++) if (mask[k]) assert.ok(image[k * 3] >= 200 && image[k * 3 + 1] === 0);
      await assert.rejects(occluder({ type: 'objects', options: { templates: `${tmp.dir}/none` } }), /templates directory .* does not exist/);
    } finally {
      tmp.cleanup();
    }
  });
});
