import * as tf from '@tensorflow/tfjs';
import type { SampleSource } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import { FerModel } from '../engine/model.js';
import { Rng } from '../engine/rng.js';
import { contactSheetPng, type Tile } from './contact-sheet.js';

/**
 * Figure 2 of the paper: occluded test images with φ's learned masks beneath them, one pair of
 * rows per occluder family (synthetic objects, then natural occluders). White = predicted occluded.
 */
export async function maskGridPng(model: FerModel, source: SampleSource, occluders: Occluder[], size: number, count: number, seed: number): Promise<Buffer> {
  const [mh, mw] = model.backbone.lowShape;
  const cols = Math.min(count, source.length);
  const picks = Rng.derive(seed, 'figure2').shuffle(Array.from({ length: source.length }, (_, i) => i)).slice(0, cols);
  const rows: Tile[][] = [];
  occluders.forEach((occ, k) => {
    const rng = Rng.derive(seed, `figure2/${k}`);
    const images = picks.map((i) => occ.apply(source.get(i), size, rng).image);
    const flat = new Float32Array(cols * size * size * 3);
    images.forEach((img, i) => flat.set(img, i * size * size * 3));
    const masks = tf.tidy(() => {
      const out = model.forward(FerModel.normalize(tf.tensor4d(flat, [cols, size, size, 3])), { training: false, updates: [] });
      return out.maskLogits ? tf.sigmoid(out.maskLogits).dataSync() : new Float32Array(cols * mh * mw);
    });
    rows.push(images.map((rgb) => ({ rgb })));
    rows.push(images.map((_, i) => ({ gray: masks.subarray(i * mh * mw, (i + 1) * mh * mw), h: mh, w: mw })));
  });
  return contactSheetPng(rows, size);
}
