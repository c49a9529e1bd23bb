import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { alignOption, C7_CLASSES, CANONICAL_CLASSES, csvFields, definePlugin, InputError, insideRoot, listLines, openImages, realDatasetOptions, requireLayout, textLines } from '../../../framework/index.js';
import type { Dataset, ImageEntry } from '../../../framework/index.js';
import { AFFECTNET_CODES } from './labels.js';

interface Options {
  align: boolean;
  root: string;
  classes: 'C7' | 'C8';
  occlusionList: string | null;
  maxBadFraction: number;
}

const LAYOUT =
  'Manually_Annotated_file_lists/training.csv and validation.csv as released, or both moved to the root (subDirectory_filePath, face_x, face_y, face_width, face_height, facial_landmarks, expression, valence, arousal), and Manually_Annotated_Images/<dir>/<file>.jpg (at the root, or inside Manually_Annotated/ as the archive unpacks)';
/** Where each CSV may be: as released, then moved to the root (what many users do). */
const csvPlaces = (csv: string) => [`Manually_Annotated_file_lists/${csv}`, csv];
const COLUMNS = ['subDirectory_filePath', 'face_x', 'face_y', 'face_width', 'face_height', 'facial_landmarks', 'expression'];

/** What parsing a CSV found besides its images. */
export interface AffectnetCsvNotes {
  /** Rows with codes 8–10 (and contempt for C7). */
  dropped: number;
  /** Rows whose face box is not a box (negative or zero size, not a number): left out, as public loaders do, since the photo may hold several faces. */
  noBox: number;
  /** The file has no header line: its rows were read in the released column order. */
  headerless: boolean;
}

/**
 * Parses one AffectNet CSV: codes 8–10 dropped, contempt dropped for C7, the face box kept for
 * cropping, 68-point landmarks parsed ("NULL" tolerated). Also reads the CSV as pandas or a
 * spreadsheet re-saves it (quoted fields, a byte-order mark, CRLF) and without its header line.
 */
export function affectnetEntries(images: string, file: string, classes: readonly string[]): { entries: ImageEntry[] } & AffectnetCsvNotes {
  const lines = textLines(file);
  const first = lines.next();
  const header = csvFields(first.done ? '' : first.value);
  let col = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)]));
  const missing = COLUMNS.filter((c) => col[c] < 0);
  // A first line that is already a row (a path, then a box and an integer code where the release has them).
  const headerless = missing.length === COLUMNS.length && header.length >= COLUMNS.length && /[/\\]/.test(header[0]) && /^\d+$/.test(header[6]);
  if (headerless) col = Object.fromEntries(COLUMNS.map((c, i) => [c, i]));
  else if (missing.length) throw new InputError(`${file}:1: the header lacks ${missing.join(', ')}; expected ${COLUMNS.join(', ')}, ….`);
  const entries: ImageEntry[] = [];
  let dropped = 0;
  let noBox = 0;
  const row = (raw: string, lineNo: number) => {
    const line = raw.trim();
    if (!line) return;
    const f = csvFields(line);
    const codeText = f[col.expression];
    const code = Number(codeText);
    if (!(Number.isInteger(code) && code in AFFECTNET_CODES)) {
      throw new InputError(`${file}:${lineNo}: expression code "${codeText}" is not one of AffectNet's codes 0–10.`);
    }
    const cls = AFFECTNET_CODES[code];
    const label = cls ? classes.indexOf(cls) : -1;
    if (label < 0) return void dropped++;
    const rel = f[col.subDirectory_filePath].replaceAll('\\', '/');
    const lm = f[col.facial_landmarks];
    const pts = lm && lm !== 'NULL' ? lm.split(';').map(Number) : undefined;
    const box = { x: Number(f[col.face_x]), y: Number(f[col.face_y]), w: Number(f[col.face_width]), h: Number(f[col.face_height]) };
    if (![box.x, box.y, box.w, box.h].every(Number.isFinite) || box.w <= 0 || box.h <= 0) return void noBox++;
    entries.push({
      // A copy, not a slice: a slice of the line would keep its ~1 KB of landmarks text alive per entry (300 MB for AffectNet).
      id: Buffer.from(rel).toString(),
      file: insideRoot(images, rel, `${file}:${lineNo}`),
      label,
      crop: box,
      landmarks: pts && pts.length === 136 && pts.every(Number.isFinite) ? pts : undefined,
    });
  };
  if (headerless && !first.done) row(first.value, 1);
  let lineNo = 1;
  for (const raw of lines) row(raw, ++lineNo);
  return { entries, dropped, noBox, headerless };
}

/** RAN's realistic-occlusion list for AffectNet ("val/<0-7>/<stem>/"), matched to validation images by file stem. */
export function affectnetOcclusionEntries(listFile: string, validation: ImageEntry[], classes: readonly string[]): { entries: ImageEntry[]; unknown: string[] } {
  const byStem = new Map(validation.map((e) => [basename(e.id).replace(/\.[^.]+$/, ''), e]));
  const entries: ImageEntry[] = [];
  const unknown: string[] = [];
  listLines(listFile).forEach(({ text, at }) => {
      const parts = text.split('/').filter(Boolean);
      if (parts.length === 0) return;
      if (parts.includes('..')) throw new InputError(`${at}: "${text}" points outside the dataset.`);
      const cls = AFFECTNET_CODES[Number(parts[1])];
      if (parts.length < 3 || !cls) throw new InputError(`${at}: expected "val/<0-7>/<stem>/", got "${text}".`);
      const e = byStem.get(parts[2]);
      const label = classes.indexOf(cls);
      if (!e) unknown.push(parts[2]);
      else if (label >= 0) entries.push({ ...e, label });
    });
  return { entries, unknown };
}

export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'affectnet',
  description: `AffectNet (manually annotated): training.csv → "train", validation.csv → "test"; face-box crop before resize; C7 or C8; optional realistic-occlusion list (split "occlusion"). Layout: ${LAYOUT}.`,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string', description: 'the AffectNet directory' },
      classes: { enum: ['C7', 'C8'], default: 'C8', description: 'C7 drops contempt (Table 1); C8 keeps it (Table 2)' },
      occlusionList: { type: ['string', 'null'], default: null, description: "RAN's Occlusion-AffectNet list file, for the split \"occlusion\"" },
      ...realDatasetOptions,
      ...alignOption,
    },
  },
  create(o, ctx): Dataset {
    // The images as released (Manually_Annotated.tar unpacks to Manually_Annotated/Manually_Annotated_Images/) or moved to the root.
    const [training, validation, images] = requireLayout(
      'AffectNet',
      o.root,
      [csvPlaces('training.csv'), csvPlaces('validation.csv'), ['Manually_Annotated_Images', 'Manually_Annotated/Manually_Annotated_Images']],
      LAYOUT,
    );
    const csvFile = { 'training.csv': training, 'validation.csv': validation };
    const classes = o.classes === 'C8' ? CANONICAL_CLASSES : C7_CLASSES;
    // The CSVs are parsed on first use: the training list has 287k rows.
    const cache = new Map<string, ImageEntry[]>();
    const list = (csv: keyof typeof csvFile) => {
      if (!cache.has(csv)) {
        const r = affectnetEntries(images, csvFile[csv], classes);
        ctx.log(
          `AffectNet ${relative(o.root, csvFile[csv])}: ${r.entries.length} images, ${r.dropped} dropped (codes 8–10${o.classes === 'C7' ? ' and contempt' : ''})` +
            (r.headerless ? '; no header line, rows read in the released column order' : '') +
            (r.noBox ? `; ${r.noBox} left out for a face box of zero or negative size` : ''),
        );
        cache.set(csv, r.entries);
      }
      return cache.get(csv)!;
    };
    if (o.occlusionList && !existsSync(o.occlusionList)) throw new InputError(`affectnet: the occlusion list ${o.occlusionList} does not exist.`);
    return {
      title: `AffectNet (${o.classes})`,
      synthetic: false,
      classes,
      splits: o.occlusionList ? ['train', 'test', 'occlusion'] : ['train', 'test'],
      async open(split, size) {
        let entries: ImageEntry[];
        if (split === 'occlusion') {
          const r = affectnetOcclusionEntries(o.occlusionList!, list('validation.csv'), classes);
          ctx.log(`AffectNet occlusion list: ${r.entries.length} images evaluated, ${r.unknown.length} not found in validation.csv`);
          entries = r.entries;
        } else entries = list(split === 'train' ? 'training.csv' : 'validation.csv');
        return openImages({ dataset: `affectnet-${o.classes}-${split}`, entries, cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, align: o.align, log: ctx.log });
      },
    };
  },
});
