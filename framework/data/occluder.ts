import type { Rng } from '../engine/rng.js';
import type { Sample } from './dataset.js';

export interface Occlusion {
  /** The occluded image, RGB, same size as the input. */
  image: Uint8Array;
  /** Per-pixel {0,1}: 1 where the occluder covers the face. size × size. */
  mask: Uint8Array;
}

/** What an occluder plugin returns: a pure function of the sample and the random stream. */
export interface Occluder {
  /** Short label for reports, e.g. "R16 block (16 px at 64 px)". */
  title: string;
  apply(sample: Sample, size: number, rng: Rng): Occlusion;
}
