import type { ExpressionClass } from './labels.js';

/** An axis-aligned box in pixels of the network input (imageSize × imageSize). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where the eyes and the mouth are, when the dataset knows (landmarks or a generator). */
export interface Regions {
  eyes?: Box;
  mouth?: Box;
}

export interface Sample {
  /** A stable id (file path or generator index), used in error lists and per-image results. */
  id: string;
  /** RGB, row-major, imageSize × imageSize × 3, values 0–255. */
  image: Uint8Array;
  /** Index into the dataset's `classes`. */
  label: number;
  subject?: string;
  regions?: Regions;
}

/** The samples of one split. Random access, synchronous after `open` (backed by a memory or disk cache). */
export interface SampleSource {
  readonly length: number;
  get(index: number): Sample;
  /** Images that could not be read while building this split, with the reason (listed in run records). */
  readonly skipped: readonly { id: string; reason: string }[];
}

/** What a dataset plugin returns. */
export interface Dataset {
  /** Human-readable name for reports, e.g. "RAF-DB (basic)" or "synthetic faces, wild preset". */
  title: string;
  /** True for data fer-run generates itself; reports on it say so in their title. */
  synthetic: boolean;
  /** Classes in the canonical order; labels index this list. */
  classes: readonly ExpressionClass[];
  splits: readonly string[];
  /** Opens a split at the given square size (decoding/caching happen here, once). */
  open(split: string, imageSize: number): Promise<SampleSource>;
}
