import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { Box } from './dataset.js';
import { textLines } from './text-lines.js';

/**
 * Face alignment for photo datasets: @vladmandic/face-api's SSD-MobileNet v1 face detector and
 * 68-point landmark net (their weights ship inside the npm package, MIT), run once per image, the
 * results cached on disk so that a second run, or another image size, detects nothing again.
 *
 * The crop rule, from the eye centres L and R (means of landmarks 36–41 and 42–47) and their
 * distance d: a square of side 2.3·d centred 0.45·d below the eyes' midpoint, so the eyes sit at
 * 30% of the height and the mouth inside the lower half, whatever the photo's framing. Parts
 * beyond the photo's border are filled by repeating its edge pixels. The face is not rotated:
 * the networks see faces as the datasets' aligned releases give them, tilted as the person was.
 */
export const ALIGN_SIDE = 2.3;
export const ALIGN_DROP = 0.45;

/** What detection found in one image, in its pixels: 68 landmarks [x0, y0, …] and the detector's score; null when no face. */
export type Detection = { landmarks: number[]; score: number } | null;

const require = createRequire(import.meta.url);

interface FaceApi {
  nets: { ssdMobilenetv1: { loadFromDisk(dir: string): Promise<void> }; faceLandmark68Net: { loadFromDisk(dir: string): Promise<void> } };
  SsdMobilenetv1Options: new (o: { minConfidence: number }) => unknown;
  detectSingleFace(input: tf.Tensor3D, options: unknown): { withFaceLandmarks(): Promise<{ detection: { score: number }; landmarks: { positions: { x: number; y: number }[] } } | undefined> };
}

let faceApi: Promise<FaceApi> | null = null;
let networkRuns = 0;

/** How many photos the networks have looked at in this process (the cache's hits do not count). */
export function faceDetectionRuns(): number {
  return networkRuns;
}

/** face-api's node-wasm build on this process's tfjs (its main entry wants tfjs-node), with the two nets loaded. */
function loadFaceApi(): Promise<FaceApi> {
  faceApi ??= (async () => {
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    const models = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await api.nets.ssdMobilenetv1.loadFromDisk(models);
    await api.nets.faceLandmark68Net.loadFromDisk(models);
    return api;
  })();
  return faceApi;
}

/** The eye centres (means of the 68-point eye contours). */
export function eyeCentres(landmarks: readonly number[]): { left: [number, number]; right: [number, number] } {
  const mean = (from: number, to: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) (x += landmarks[2 * i]), (y += landmarks[2 * i + 1]);
    return [x / (to - from + 1), y / (to - from + 1)];
  };
  return { left: mean(36, 41), right: mean(42, 47) };
}

/** The aligned square crop of a face (the rule above), in the photo's pixels. */
export function alignedCrop(landmarks: readonly number[]): Box {
  const { left, right } = eyeCentres(landmarks);
  const d = Math.hypot(right[0] - left[0], right[1] - left[1]);
  const side = ALIGN_SIDE * d;
  const cx = (left[0] + right[0]) / 2;
  const cy = (left[1] + right[1]) / 2 + ALIGN_DROP * d;
  return { x: cx - side / 2, y: cy - side / 2, w: side, h: side };
}

/** The longest side a photo is shrunk to for detection: twice the SSD's 512-px input, so the landmark net still sees a sharp face. */
const DETECT_SIDE = 1024;

function lastByte(file: string, size: number): number {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0];
  } finally {
    closeSync(fd);
  }
}

/**
 * Detections of many image files, kept in one append-only JSON-lines file per dataset (one
 * `{"key", "face"}` line per photo); entries are keyed by path, size and modification time, so an
 * edited photo is detected again. Saving appends only what is new: rewriting the whole file at every
 * save would write AffectNet's 287k detections over and over (hundreds of GB over a first run).
 * A last line cut short by a crash is ignored; its photo is detected again.
 */
export class FaceDetections {
  private loaded: Map<string, Detection> | null = null;
  private pending: string[] = [];

  constructor(private readonly cacheFile: string) {}

  /**
   * Read on the first detection, not before: a split whose decoded images are cached needs none,
   * and AffectNet's file holds 287k photos' landmarks (hundreds of MB, in every thread that opens the split).
   */
  private get known(): Map<string, Detection> {
    if (!this.loaded) {
      this.loaded = new Map();
      if (existsSync(this.cacheFile)) {
        for (const line of textLines(this.cacheFile)) {
          let entry: { key: string; face: Detection } | undefined;
          try {
            entry = JSON.parse(line) as { key: string; face: Detection };
          } catch {
            continue; // a line a crash cut short
          }
          if (typeof entry?.key === 'string') this.loaded.set(entry.key, entry.face);
        }
      }
    }
    return this.loaded;
  }

  private key(file: string): string {
    const s = statSync(file);
    // "upright": detections are in the EXIF-oriented frame (those cached before were not).
    return `${file}|${s.size}|${Math.round(s.mtimeMs)}|upright`;
  }

  /** The detection of each file, running the networks only on files the cache does not know. Unreadable files throw. */
  async detect(file: string): Promise<Detection> {
    const key = this.key(file);
    if (this.known.has(key)) return this.known.get(key)!;
    const api = await loadFaceApi();
    networkRuns++;
    const photo = sharp(file, { failOn: 'error', autoOrient: true });
    const meta = await photo.metadata();
    const [W, H] = [meta.autoOrient?.width ?? meta.width ?? 0, meta.autoOrient?.height ?? meta.height ?? 0];
    // A phone's 12-megapixel photo is looked at DETECT_SIDE px long (sharp's resampling is better
    // than the detector's own bilinear shrink to 512): 3 s and 1.1 GB at full size, a few hundred
    // ms and MBs so. Landmarks are scaled back to the photo's pixels.
    const shrink = Math.max(W, H) > DETECT_SIDE ? photo.resize(DETECT_SIDE, DETECT_SIDE, { fit: 'inside' }) : photo;
    const { data, info } = await shrink.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const [sx, sy] = [W / info.width, H / info.height];
    // Detection runs on the wasm backend whatever the run trains on: its convolutions are 7× faster
    // there than on tfjs's stock cpu kernels (0.35 s against 2.4 s a photo here), and no model
    // tensor is touched meanwhile.
    const trainingBackend = tf.getBackend();
    if (trainingBackend !== 'wasm') await tf.setBackend('wasm');
    let found: Detection = null;
    try {
      const image = tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.length), [info.height, info.width, 3], 'int32');
      try {
        const r = await api.detectSingleFace(image, new api.SsdMobilenetv1Options({ minConfidence: 0.3 })).withFaceLandmarks();
        if (r) found = { landmarks: r.landmarks.positions.flatMap((p) => [p.x * sx, p.y * sy]), score: r.detection.score };
      } finally {
        image.dispose();
      }
    } finally {
      if (trainingBackend !== 'wasm') await tf.setBackend(trainingBackend);
    }
    this.known.set(key, found);
    this.pending.push(JSON.stringify({ key, face: found }));
    return found;
  }

  /** Appends what was detected since the last save. */
  save(): void {
    if (this.pending.length === 0) return;
    mkdirSync(dirname(this.cacheFile), { recursive: true });
    // After a line a crash cut short, start a new one rather than glue the next entry to it.
    const size = existsSync(this.cacheFile) ? statSync(this.cacheFile).size : 0;
    const cut = size > 0 && lastByte(this.cacheFile, size) !== 0x0a;
    appendFileSync(this.cacheFile, (cut ? '\n' : '') + this.pending.join('\n') + '\n');
    this.pending = [];
  }
}
