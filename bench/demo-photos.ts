/**
 * Photos to try fer-run's photo pipeline on without a dataset of your own: fer-run's synthetic lab
 * faces drawn large, pasted at varying places and scales into bigger canvases of varying colour, in
 * image-folder's layout (`<class>/S<subject>_<n>.png`, the subject in the file name). The faces are
 * synthetic, so the photos say nothing about real-photo accuracy; they exercise detection,
 * alignment, subject folds and the eye and mouth occluders end to end.
 *
 *   npx tsx bench/demo-photos.ts DIR [--photos 400] [--side 480]
 *
 * bench/alignment.ts uses the same drawing for its throughput figure (1350-px photos).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { C7_CLASSES } from '../framework/data/labels.js';
import { Rng } from '../framework/engine/rng.js';
import { SyntheticFaces } from '../plugins/datasets/synthetic-faces/generator.js';

export interface DemoPhotoOptions {
  photos: number;
  /** The canvas side, in pixels; the face is drawn at 45–60% of it. */
  side: number;
  seed?: number;
}

/** Writes the photos under `root` and returns their paths relative to it. */
export async function writeDemoPhotos(root: string, o: DemoPhotoOptions): Promise<string[]> {
  const gen = new SyntheticFaces({ preset: 'lab', seed: o.seed ?? 7, classes: 'C7' });
  const rng = Rng.derive(o.seed ?? 7, 'demo-photos');
  const perSubject = new Map<string, number>();
  const files: string[] = [];
  for (let i = 0; i < o.photos; i++) {
    const face = Math.round(o.side * rng.uniform(0.45, 0.6));
    const s = gen.sample('train', i, face);
    const n = (perSubject.get(s.subject!) ?? 0) + 1;
    perSubject.set(s.subject!, n);
    const rel = `${C7_CLASSES[s.label]}/S${s.subject!.slice(1).padStart(3, '0')}_${String(n).padStart(3, '0')}.png`;
    const [left, top] = [rng.int(o.side - face + 1), rng.int(o.side - face + 1)];
    const shade = () => Math.round(rng.uniform(60, 200));
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    await sharp({ create: { width: o.side, height: o.side, channels: 3, background: { r: shade(), g: shade(), b: shade() } } })
      .composite([{ input: Buffer.from(s.image), raw: { width: face, height: face, channels: 3 }, left, top }])
      .png()
      .toFile(join(root, rel));
    files.push(rel);
  }
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (!dir) {
    process.stderr.write('usage: npx tsx bench/demo-photos.ts DIR [--photos 400] [--side 480]\n');
    process.exit(2);
  }
  const flag = (name: string, d: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);
  const files = await writeDemoPhotos(dir, { photos: flag('--photos', 400), side: flag('--side', 480) });
  const subjects = new Set(files.map((f) => f.split('/')[1].split('_')[0]));
  process.stdout.write(`wrote ${files.length} photos of ${subjects.size} people under ${dir}\n`);
}
