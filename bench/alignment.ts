/**
 * Face alignment's throughput: photos of 1350 px (fer-run's faces drawn into them, bench/demo-photos.ts)
 * decoded, detected (face-api's SSD-MobileNet v1 and 68 landmarks), cropped by the eye rule and
 * resized to 112 px, through image-folder with `"align": true` and an empty cache, as a first run
 * does. (A second run reads the cached detections: no network runs.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '../framework/cli/session.js';
import type { Dataset } from '../framework/data/dataset.js';
import { createBuildContext } from '../framework/plugin/build-context.js';
import { writeDemoPhotos } from './demo-photos.js';

export interface AlignmentRate {
  photos: number;
  photoSide: number;
  cropSide: number;
  aligned: number;
  seconds: number;
  imagesPerSecond: number;
}

export async function alignmentRate(photos = 16, photoSide = 1350, cropSide = 112): Promise<AlignmentRate> {
  const dir = mkdtempSync(join(tmpdir(), 'fer-run-align-bench-'));
  try {
    const registry = await loadRegistry();
    const align = async (n: number, name: string) => {
      const root = join(dir, name);
      await writeDemoPhotos(root, { photos: n, side: photoSide, seed: 3 });
      const ctx = createBuildContext({ registry, seed: 0, imageSize: cropSide, cacheDir: join(dir, `cache-${name}`) });
      const t = performance.now();
      const d: Dataset = await ctx.build('dataset', { type: 'image-folder', options: { root, align: true, maxBadFraction: 1 } });
      // Every photo is in exactly one of the train and test splits.
      let aligned = 0;
      for (const split of ['train', 'test']) aligned += (await d.open(split, cropSide)).length;
      return { aligned, seconds: (performance.now() - t) / 1000 };
    };
    // The first photo loads face-api's networks once per process: measured apart, not in the rate.
    await align(1, 'warm-up');
    const { aligned, seconds } = await align(photos, 'photos');
    return { photos, photoSide, cropSide, aligned, seconds, imagesPerSecond: photos / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
