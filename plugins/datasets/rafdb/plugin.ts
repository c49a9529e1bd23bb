import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alignOption, C7_CLASSES, definePlugin, InputError, insideRoot, listLines, openImages, realDatasetOptions, requireLayout } from '../../../framework/index.js';
import type { Dataset, ImageEntry } from '../../../framework/index.js';
import { RAFDB_CODES } from './labels.js';

interface Options {
  root: string;
  occlusionList: string | null;
  maxBadFraction: number;
  align: boolean;
}

const LIST = 'EmoLabel/list_patition_label.txt';
const LAYOUT = `${LIST} (lines "train_00001.jpg 5") and Image/aligned/train_00001_aligned.jpg`;

/**
 * Parses the label list into train/test entries of the aligned images, or with `original` of the
 * original photos (Image/original/train_00001.jpg), for fer-run's own alignment.
 */
export function rafdbEntries(root: string, original = false, images = join(root, 'Image', original ? 'original' : 'aligned')): { train: ImageEntry[]; test: ImageEntry[] } {
  const listFile = join(root, LIST);
  const out = { train: [] as ImageEntry[], test: [] as ImageEntry[] };
  listLines(listFile).forEach(({ text: line, at }) => {
      const [name, codeText] = line.split(/\s+/);
      const code = Number(codeText);
      const cls = RAFDB_CODES[code];
      if (!cls) throw new InputError(`${at}: label "${codeText}" is not one of RAF-DB's codes 1–7 (line "${line}").`);
      // Some repackaged copies list the aligned files' own names (train_00001_aligned.jpg).
      const stem = name.replace(/\.[^.]+$/, '').replace(/_aligned$/, '');
      const file = insideRoot(images, original ? `${stem}.jpg` : `${stem}_aligned.jpg`, at);
      const split = stem.startsWith('train') ? out.train : stem.startsWith('test') ? out.test : null;
      if (!split) throw new InputError(`${at}: "${name}" is neither a train_ nor a test_ image.`);
      split.push({ id: stem, file, label: C7_CLASSES.indexOf(cls) });
    });
  return out;
}

/**
 * RAN's realistic-occlusion list ("test_0003_aligned <expr 0–6 = RAF code − 1> <occlusion type>"):
 * the known duplicate entry is removed; entries must name test images of the label list.
 */
export function rafdbOcclusionEntries(listFile: string, test: ImageEntry[]): { entries: ImageEntry[]; duplicates: number; unknown: string[] } {
  const byStem = new Map(test.map((e) => [`${e.id}_aligned`, e]));
  const seen = new Set<string>();
  const entries: ImageEntry[] = [];
  const unknown: string[] = [];
  let duplicates = 0;
  listLines(listFile).forEach(({ text: line, at }) => {
      const [stemRaw, exprText] = line.split(/\s+/);
      const stem = stemRaw.replace(/\.[^.]+$/, '');
      if (stem.includes('/') || stem.includes('..')) throw new InputError(`${at}: "${stemRaw}" is not an image name inside the dataset.`);
      const cls = RAFDB_CODES[Number(exprText) + 1];
      if (!cls) throw new InputError(`${at}: expression "${exprText}" is not one of 0–6 (RAF code − 1).`);
      if (seen.has(stem)) return void duplicates++;
      seen.add(stem);
      const e = byStem.get(stem);
      if (!e) return void unknown.push(stem);
      entries.push({ ...e, label: C7_CLASSES.indexOf(cls) });
    });
  return { entries, duplicates, unknown };
}

export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'rafdb',
  description: `RAF-DB (basic): 12,271 train / 3,068 test aligned 100×100 faces, 7 classes; optional realistic-occlusion test list (split "occlusion"). Layout: ${LAYOUT}.`,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string', description: 'the RAF-DB basic directory (holding EmoLabel/ and Image/)' },
      occlusionList: { type: ['string', 'null'], default: null, description: "RAN's Occlusion-RAF-DB list file, for the split \"occlusion\"" },
      ...realDatasetOptions,
      ...alignOption,
    },
  },
  create(options, ctx): Dataset {
    // The download holds basic/ beside compound/: a root pointing at the download means its basic/.
    const basic = join(options.root, 'basic');
    const o = !existsSync(join(options.root, LIST)) && existsSync(join(basic, LIST)) ? { ...options, root: basic } : options;
    if (o !== options) ctx.log(`RAF-DB: reading ${basic} (the basic set inside ${options.root})`);
    // With align, the original photos (Image/original/) are detected and cropped by fer-run's rule instead of RAF-DB's own alignment.
    // RAF-DB ships Image/aligned.zip and Image/original.zip: unpacked into a folder of their own, the images sit one level deeper.
    // The deeper place first: the folder of its own is inside the released one.
    const places = o.align ? ['Image/original/original', 'Image/original'] : ['Image/aligned/aligned', 'Image/aligned'];
    const [, images] = requireLayout('RAF-DB', o.root, [LIST, places], o.align ? LAYOUT.replace('Image/aligned/train_00001_aligned.jpg', 'Image/original/train_00001.jpg') : LAYOUT);
    const { train, test } = rafdbEntries(o.root, o.align, images);
    let occlusion: ImageEntry[] | null = null;
    if (o.occlusionList) {
      if (!existsSync(o.occlusionList)) throw new InputError(`rafdb: the occlusion list ${o.occlusionList} does not exist. Give the path of RAN's Occlusion-RAF-DB list, or null.`);
      const r = rafdbOcclusionEntries(o.occlusionList, test);
      occlusion = r.entries;
      ctx.log(`RAF-DB occlusion list: ${r.entries.length} images evaluated, ${r.duplicates} duplicate line(s) removed, ${r.unknown.length} not in the test list${r.unknown.length ? ` (${r.unknown.slice(0, 5).join(', ')})` : ''}`);
    }
    return {
      title: o.align ? 'RAF-DB (basic, original photos aligned by fer-run)' : 'RAF-DB (basic)',
      synthetic: false,
      classes: C7_CLASSES,
      splits: occlusion ? ['train', 'test', 'occlusion'] : ['train', 'test'],
      async open(split, size) {
        const entries = split === 'train' ? train : split === 'test' ? test : occlusion!;
        return openImages({ dataset: `rafdb-${split}`, entries, cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, align: o.align, log: ctx.log });
      },
    };
  },
});
