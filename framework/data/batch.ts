import type { Rng } from '../engine/rng.js';
import type { SampleSource } from './dataset.js';
import { downsampleMask } from './mask.js';
import type { Occluder } from './occluder.js';
import type { MixItem } from './training-mix.js';

/** A batch as flat typed arrays, ready to become tensors. */
export interface HostBatch {
  size: number;
  count: number;
  images: Float32Array;
  labels: Float32Array;
  occluded: Float32Array;
  /** Target masks at φ's resolution, count × maskH × maskW. */
  masks: Float32Array;
  maskH: number;
  maskW: number;
  ids: string[];
}

export interface AssembleOptions {
  source: SampleSource;
  items: readonly MixItem[];
  occluder: Occluder | null;
  size: number;
  maskH: number;
  maskW: number;
  rng: Rng;
  /** Maps a sample's label to the model's class index (cross-dataset test sets); callers drop unmapped samples first. */
  labelMap?: (label: number) => number;
}

/** Reads, occludes and packs the items of one batch. Occlusions draw from `rng` in item order. */
export function assembleBatch(o: AssembleOptions): HostBatch {
  const { size, items } = o;
  const px = size * size;
  const count = items.length;
  const images = new Float32Array(count * px * 3);
  const labels = new Float32Array(count);
  const occluded = new Float32Array(count);
  const masks = new Float32Array(count * o.maskH * o.maskW);
  const ids: string[] = [];
  items.forEach((it, i) => {
    const sample = o.source.get(it.index);
    let image = sample.image;
    if (it.occluded && o.occluder) {
      const occ = o.occluder.apply(sample, size, o.rng);
      image = occ.image;
      downsampleMask(occ.mask, size, o.maskH, o.maskW, masks, i * o.maskH * o.maskW);
      occluded[i] = 1;
    }
    images.set(image, i * px * 3);
    labels[i] = o.labelMap ? o.labelMap(sample.label) : sample.label;
    ids.push(sample.id);
  });
  return { size, count, images, labels, occluded, masks, maskH: o.maskH, maskW: o.maskW, ids };
}
