import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { hashString } from '../engine/rng.js';
import { InputError } from '../errors.js';
import type { Box, Regions, SampleSource } from './dataset.js';
import { alignedCrop, FaceDetections } from './face-align.js';
import { textLines } from './text-lines.js';
import { cachedSource } from './image-cache.js';

/** One image of a real dataset, before decoding. Coordinates are in the source image's pixels. */
export interface ImageEntry {
  id: string;
  file: string;
  label: number;
  subject?: string;
  /** Face box to crop before resizing (AffectNet's face_x/y/width/height; CK+'s landmark hull). */
  crop?: Box;
  /** 68 landmarks as [x0, y0, x1, y1, …]; eye and mouth boxes are derived from them. */
  landmarks?: number[];
}

/** The non-blank lines of a dataset's list file, trimmed, each with "file:line" for error messages. */
export function listLines(file: string): { text: string; at: string }[] {
  const lines: { text: string; at: string }[] = [];
  let n = 0;
  for (const raw of textLines(file)) {
    n++;
    const text = raw.trim();
    if (text !== '') lines.push({ text, at: `${file}:${n}` });
  }
  return lines;
}

/** Eye box (points 36–47) and mouth box (48–67) of 68-point landmarks. */
export function regionsFromLandmarks(pts: number[]): { eyes: Box; mouth: Box } {
  const box = (from: number, to: number): Box => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = from; i <= to; i++) (xs.push(pts[2 * i]), ys.push(pts[2 * i + 1]));
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
  };
  return { eyes: box(36, 47), mouth: box(48, 67) };
}

/** The bounding box of all landmarks, enlarged by `margin` of its size on every side. */
export function landmarkHull(pts: number[], margin = 0.2): Box {
  const xs = pts.filter((_, i) => i % 2 === 0);
  const ys = pts.filter((_, i) => i % 2 === 1);
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  const w = Math.max(...xs) - x0;
  const h = Math.max(...ys) - y0;
  return { x: x0 - w * margin, y: y0 - h * margin * 1.5, w: w * (1 + 2 * margin), h: h * (1 + 2.5 * margin) };
}

/**
 * Resolves a path from a dataset's list file inside its root. Entries that escape the root
 * (absolute paths, "..") are rejected: a list file must never make fer-run read elsewhere.
 */
export function insideRoot(root: string, rel: string, where: string): string {
  if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
    throw new InputError(`${where}: the entry "${rel}" points outside the dataset root ${root}. List entries must be relative paths inside it.`);
  }
  const full = resolve(root, rel);
  if (relative(root, full).startsWith('..' + sep)) throw new InputError(`${where}: the entry "${rel}" points outside the dataset root ${root}.`);
  return full;
}

/**
 * Checks a dataset root and the entries it must contain, with an error naming the expected layout
 * and, for each missing entry, every path looked for. An entry given as a list is found at the
 * first of its places that exists (a dataset whose users move files around, as AffectNet's CSVs).
 * Returns each entry's full path, in the order given.
 */
export function requireLayout(name: string, root: string, required: (string | string[])[], layout: string): string[] {
  if (!root || !existsSync(root) || !statSync(root).isDirectory()) {
    throw new InputError(
      `${name}: the dataset root "${root}" does not exist. Put your copy of ${name} there (expected layout: ${layout}), ` +
        'or point the manifest at it (e.g. export FER_DATA=/data/fer, or --set with the dataset\'s "root" option).',
    );
  }
  const places = required.map((r) => (Array.isArray(r) ? r : [r]));
  const found = places.map((p) => p.find((rel) => existsSync(join(root, rel))));
  // An entry with several places is named by its shortest (where the layout puts it), then every place looked.
  const shortest = (p: string[]) => p.reduce((a, b) => (b.length < a.length ? b : a));
  const missing = places.filter((_, i) => !found[i]).map((p) => (p.length === 1 ? p[0] : `${shortest(p)} (looked for ${p.join(' and ')})`));
  if (missing.length) {
    const present = readdirSync(root).slice(0, 12);
    throw new InputError(
      `${name}: ${root} does not have the expected layout (${layout}): missing ${missing.join(', ')}. Found: ${present.join(', ') || '(empty directory)'}.`,
    );
  }
  return found.map((rel) => join(root, rel!));
}

/** Bumped whenever decoding changes what a cached image holds (2: EXIF orientation applied), so old caches are not reused. */
const DECODE_VERSION = 2;

/**
 * Decodes an entry at size × size: its crop (clamped to the photo; with `pad`, kept whole and square,
 * the photo's edge pixels repeated beyond its border, as an aligned face crop needs), and its
 * landmarks' eye and mouth boxes in the output's pixels.
 */
async function decode(e: ImageEntry, size: number, pad = false): Promise<{ image: Uint8Array; regions?: Regions }> {
  // Upright as a viewer shows it: a phone photo's pixels are often stored sideways with an EXIF
  // orientation tag. Crops, landmarks and face detection (face-align.ts) all use this frame.
  let img = sharp(e.file, { failOn: 'error', autoOrient: true });
  const meta = await img.metadata();
  const W = meta.autoOrient?.width ?? meta.width ?? 0;
  const H = meta.autoOrient?.height ?? meta.height ?? 0;
  if (!W || !H) throw new Error('no image dimensions');
  let crop: Box = { x: 0, y: 0, w: W, h: H };
  if (e.crop && pad) {
    const x = Math.round(e.crop.x);
    const y = Math.round(e.crop.y);
    const side = Math.max(1, Math.round(e.crop.w));
    const [left, top] = [Math.max(0, -x), Math.max(0, -y)];
    const [right, bottom] = [Math.max(0, x + side - W), Math.max(0, y + side - H)];
    if (left || top || right || bottom) {
      // extend() applies after extract() in sharp's pipeline: materialise the padded photo first.
      const { data, info } = await img.extend({ left, top, right, bottom, extendWith: 'copy' }).raw().toBuffer({ resolveWithObject: true });
      img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    }
    crop = { x, y, w: side, h: side };
    img = img.extract({ left: x + left, top: y + top, width: side, height: side });
  } else if (e.crop) {
    const x = Math.max(0, Math.round(e.crop.x));
    const y = Math.max(0, Math.round(e.crop.y));
    crop = { x, y, w: Math.max(1, Math.min(W - x, Math.round(e.crop.w))), h: Math.max(1, Math.min(H - y, Math.round(e.crop.h))) };
    img = img.extract({ left: crop.x, top: crop.y, width: crop.w, height: crop.h });
  }
  const { data, info } = await img.resize(size, size, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  let image: Uint8Array;
  if (info.channels === 3) image = new Uint8Array(data);
  else {
    // Greyscale read as three channels.
    image = new Uint8Array(size * size * 3);
    for (let i = 0; i < size * size; i++) image[i * 3] = image[i * 3 + 1] = image[i * 3 + 2] = data[i * info.channels];
  }
  let regions: Regions | undefined;
  if (e.landmarks && e.landmarks.length === 136) {
    const sx = size / crop.w;
    const sy = size / crop.h;
    const scaled = e.landmarks.map((v, i) => (i % 2 === 0 ? (v - crop.x) * sx : (v - crop.y) * sy));
    regions = regionsFromLandmarks(scaled);
  }
  return { image, regions };
}

/**
 * A hash of everything the entries say, entry by entry: one JSON string of AffectNet's 300k entries
 * with their landmarks would be ~350 MB, near V8's longest string, and over a GB of memory at its peak.
 */
function entriesHash(entries: readonly ImageEntry[]): number {
  let h = 0;
  for (const e of entries) h = hashString(JSON.stringify(e), h);
  return h;
}

/**
 * Decodes and resizes a real dataset's images once into the disk cache (see image-cache.ts).
 * Unreadable images are skipped and listed; more than `maxBadFraction` of them fails the run.
 */
export async function openImages(o: {
  dataset: string;
  entries: ImageEntry[];
  cacheDir: string;
  size: number;
  maxBadFraction: number;
  /** Detect the face and its landmarks in each photo and crop it by the alignment rule (face-align.ts), instead of `crop`. */
  align?: boolean;
  log?: (l: string) => void;
}): Promise<SampleSource> {
  const key = `${o.dataset}-${o.size}-${o.entries.length}-${entriesHash(o.entries).toString(16)}${o.align ? '-aligned' : ''}-d${DECODE_VERSION}`;
  const dir = join(o.cacheDir, o.dataset);
  // Beside the decoded images: what detection found in each photo, kept across image sizes and runs.
  const faces = o.align ? new FaceDetections(join(dir, 'face-detections.jsonl')) : null;
  let detected = 0;
  const source = await cachedSource({
    cacheDir: dir,
    key,
    size: o.size,
    count: o.entries.length,
    produce: async (i) => {
      const e = o.entries[i];
      try {
        if (!faces) {
          const { image, regions } = await decode(e, o.size);
          return { image, record: { id: e.id, label: e.label, subject: e.subject, regions } };
        }
        const face = await faces.detect(e.file);
        if (++detected % 200 === 0) faces.save();
        if (!face) return { skipped: 'no face detected', id: e.id };
        const { image, regions } = await decode({ ...e, crop: alignedCrop(face.landmarks), landmarks: face.landmarks }, o.size, true);
        return { image, record: { id: e.id, label: e.label, subject: e.subject, regions } };
      } catch (err) {
        return { skipped: (err as Error).message.split('\n')[0], id: e.id };
      }
    },
    onProgress: (done, total) => o.log?.(`${o.dataset}: ${faces ? 'detected, aligned and decoded' : 'decoded'} ${done}/${total}`),
  });
  faces?.save();
  const bad = source.skipped.length;
  if (o.entries.length && bad / o.entries.length > o.maxBadFraction) {
    // The user's copy is what needs fixing, and every cell would fail alike: bad input, said once.
    throw new InputError(
      `${o.dataset}: ${bad} of ${o.entries.length} images could not be read (more than ${(o.maxBadFraction * 100).toFixed(1)}%), e.g. ` +
        `${source.skipped.slice(0, 3).map((s) => `${s.id} (${s.reason})`).join('; ')}. Check the copy of the dataset, or raise the "maxBadFraction" option.`,
    );
  }
  return source;
}

export const realDatasetOptions = {
  maxBadFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.01, description: 'fail when more than this fraction of images cannot be read (they are skipped and listed otherwise)' },
} as const;

/** The `align` option of photo datasets (image-folder, fedro, rafdb's original images, affectnet). */
export const alignOption = {
  align: {
    type: 'boolean',
    default: false,
    description: "detect the face and its 68 landmarks (face-api's SSD-MobileNet and landmark nets, once per photo, cached) and crop it by the eyes: a square of 2.3× the eye distance, centred 0.45× below their midpoint; gives every image its eye and mouth boxes (a photo without a face is skipped and counts towards maxBadFraction)",
  },
} as const;
