import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignOption, C7_CLASSES, CANONICAL_CLASSES, definePlugin, InputError, isFolderEntry, isSystemEntry, landmarkHull, listImages, openImages, othersNotice, realDatasetOptions, requireLayout, Rng } from '../../../framework/index.js';
import type { Dataset, ExpressionClass, ImageEntry } from '../../../framework/index.js';
import { CKPLUS_CODES } from './labels.js';

interface Options {
  align: boolean;
  root: string;
  includeContempt: boolean;
  folds: number;
  fold: number;
  foldSeed: number;
  maxBadFraction: number;
}

const LAYOUT =
  'cohn-kanade-images/S005/001/S005_001_00000001.png, Emotion/S005/001/S005_001_00000011_emotion.txt, optional Landmarks/S005/001/…_landmarks.txt (or "align": true); each may also sit inside the folder its zip unpacks to (extended-cohn-kanade-images/, Emotion_labels/, Landmarks/)';

const dirs = (p: string) => (existsSync(p) ? readdirSync(p, { withFileTypes: true }).filter((d) => !isSystemEntry(d.name) && isFolderEntry(p, d)).map((d) => d.name).sort() : []);

function readLandmarks(file: string): number[] | undefined {
  if (!existsSync(file)) return undefined;
  const pts = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  return pts.length === 136 && pts.every(Number.isFinite) ? pts : undefined;
}

/**
 * Where a copy keeps its three folders: at the root, or each inside the folder its zip unpacks to
 * (CK+ ships extended-cohn-kanade-images.zip, Emotion_labels.zip and Landmarks.zip, and unzipping
 * each into its own folder gives extended-cohn-kanade-images/cohn-kanade-images/ and so on).
 */
export interface CkplusFolders {
  images: string;
  emotion: string;
  landmarks: string | null;
}

export function ckplusFolders(root: string): CkplusFolders {
  const [images, emotion] = requireLayout('CK+', root, [['cohn-kanade-images', 'extended-cohn-kanade-images/cohn-kanade-images'], ['Emotion', 'Emotion_labels/Emotion']], LAYOUT);
  const landmarks = ['Landmarks/Landmarks', 'Landmarks'].map((d) => join(root, d)).find((d) => existsSync(d)) ?? null;
  return { images, emotion, landmarks };
}

/** What the protocol took: labelled sequences, onset frames (neutral), apex frames (emotions). */
export interface CkplusCounts {
  sequences: number;
  onsets: number;
  apexes: number;
}

/**
 * The paper's CK+ protocol: the onset (first) frame of every labelled sequence as neutral, and
 * the apex (labelled, last) frame with its emotion, except contempt's apex unless asked (a
 * contempt sequence still begins neutral): CK+'s 327 labelled sequences, 18 of them contempt,
 * give 327 + 309 = 636 images. Subject-independent folds, deterministic in `foldSeed`; split
 * "test" is fold `fold`, "train" the rest, "all" everything (cross-dataset tests).
 */
export function ckplusEntries(o: Options, at: CkplusFolders = ckplusFolders(o.root)): { entries: (ImageEntry & { fold: number })[]; classes: readonly string[]; counts: CkplusCounts; others: string[] } {
  const classes = o.includeContempt ? CANONICAL_CLASSES : C7_CLASSES;
  const entries: (ImageEntry & { fold: number })[] = [];
  const subjects = dirs(at.emotion);
  const order = Rng.derive(o.foldSeed, 'ckplus/folds').shuffle([...subjects]);
  const foldOf = new Map(order.map((s, i) => [s, i % o.folds]));
  const counts: CkplusCounts = { sequences: 0, onsets: 0, apexes: 0 };
  const others: string[] = [];
  for (const subject of subjects) {
    for (const seq of dirs(join(at.emotion, subject))) {
      const emoDir = join(at.emotion, subject, seq);
      const emo = readdirSync(emoDir).find((f) => f.endsWith('_emotion.txt') && !isSystemEntry(f));
      if (!emo) continue;
      const text = readFileSync(join(emoDir, emo), 'utf8');
      const code = Number.parseFloat(text.trim());
      const cls = CKPLUS_CODES[code];
      if (!Number.isInteger(code) || !cls) {
        throw new InputError(`${join(emoDir, emo)}:1: emotion code "${text.trim()}" is not one of CK+'s codes 0–7. Fix or remove the file.`);
      }
      const imgDir = join(at.images, subject, seq);
      const listing = existsSync(imgDir) ? listImages(imgDir, false) : { images: [], others: [] };
      others.push(...listing.others.map((f) => `cohn-kanade-images/${subject}/${seq}/${f}`));
      const frames = listing.images;
      const apex = emo.replace('_emotion.txt', '');
      const apexFile = frames.find((f) => f.startsWith(apex));
      if (!apexFile || frames.length === 0) {
        throw new InputError(`${join(emoDir, emo)}: its image ${join(imgDir, apex + '.png')} is missing (expected layout: ${LAYOUT}).`);
      }
      const fold = foldOf.get(subject)!;
      const taken: [string, ExpressionClass][] = [[frames[0], 'neutral']];
      if (cls !== 'contempt' || o.includeContempt) taken.push([apexFile, cls]);
      counts.sequences++;
      counts.onsets++;
      counts.apexes += taken.length - 1;
      for (const [file, label] of taken) {
        const stem = file.replace(/\.[^.]+$/, '');
        const landmarks = at.landmarks ? readLandmarks(join(at.landmarks, subject, seq, `${stem}_landmarks.txt`)) : undefined;
        entries.push({
          id: `${subject}/${seq}/${file}`,
          file: join(imgDir, file),
          label: classes.indexOf(label),
          subject,
          landmarks,
          crop: landmarks ? landmarkHull(landmarks) : undefined,
          fold,
        });
      }
    }
  }
  return { entries, classes, counts, others };
}

export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'ckplus',
  description: `Extended Cohn-Kanade (CK+): onset frame as neutral + apex frame with its label (the paper's 636-image protocol), subject-independent folds. Layout: ${LAYOUT}.`,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string', description: 'the CK+ directory (holding cohn-kanade-images/ and Emotion/)' },
      includeContempt: { type: 'boolean', default: false, description: 'keep contempt (C8); the paper excludes it' },
      folds: { type: 'integer', minimum: 2, maximum: 100, default: 10, description: 'subject-independent folds' },
      fold: { type: 'integer', minimum: 0, default: 0, description: 'the fold used as "test" (the others are "train")' },
      foldSeed: { type: 'integer', minimum: 0, default: 0, description: 'seed of the subject-to-fold assignment' },
      ...realDatasetOptions,
      // For a copy without Landmarks/: the frames' faces found and cropped by fer-run, with eye and mouth boxes.
      ...alignOption,
    },
  },
  create(o, ctx): Dataset {
    const folders = ckplusFolders(o.root);
    if (o.fold >= o.folds) throw new InputError(`ckplus: "fold" ${o.fold} must be below "folds" ${o.folds}.`);
    const { entries, classes, counts, others } = ckplusEntries(o, folders);
    const notice = othersNotice('CK+', others);
    if (notice) ctx.log(notice);
    ctx.log(
      `CK+: ${entries.length} images from ${counts.sequences} labelled sequences of ${new Set(entries.map((e) => e.subject)).size} subjects: ` +
        `${counts.onsets} onset frames (neutral) + ${counts.apexes} apex frames${o.includeContempt ? '' : ' (contempt apexes left out)'}`,
    );
    return {
      title: `CK+ (${entries.length} images, fold ${o.fold + 1}/${o.folds} as test${o.align ? ', faces aligned by fer-run' : ''})`,
      synthetic: false,
      classes: classes as Dataset['classes'],
      splits: ['train', 'test', 'all'],
      async open(split, size) {
        const chosen = entries.filter((e) => split === 'all' || (split === 'test' ? e.fold === o.fold : e.fold !== o.fold));
        return openImages({ dataset: 'ckplus', entries: chosen.map(({ fold: _f, ...e }) => e), cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, align: o.align, log: ctx.log });
      },
    };
  },
});
