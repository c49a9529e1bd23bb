import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alignOption, C7_CLASSES, CLASS_SYNONYMS, definePlugin, isFolderEntry, isSystemEntry, listImages, openImages, othersNotice, realDatasetOptions, requireLayout } from '../../../framework/index.js';
import type { Dataset, ExpressionClass, ImageEntry } from '../../../framework/index.js';

/** FED-RO class folders → canonical classes: the seven C7 names and their common spellings ("neural" is the circulating spelling of neutral). */
export const FEDRO_FOLDERS: Readonly<Record<string, ExpressionClass>> = Object.fromEntries(
  [...C7_CLASSES.map((c) => [c, c] as const), ...Object.entries(CLASS_SYNONYMS)].filter(([, c]) => C7_CLASSES.includes(c)),
);

/** The class folders' images (subfolders included) and the other files found in them. */
export function fedroEntries(root: string): { entries: ImageEntry[]; others: string[] } {
  const entries: ImageEntry[] = [];
  const others: string[] = [];
  for (const d of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const cls = FEDRO_FOLDERS[d.name.toLowerCase()];
    if (!cls || isSystemEntry(d.name) || !isFolderEntry(root, d)) continue;
    const listing = listImages(join(root, d.name), true);
    for (const f of listing.images) entries.push({ id: `${d.name}/${f}`, file: join(root, d.name, f), label: C7_CLASSES.indexOf(cls) });
    others.push(...listing.others.map((f) => `${d.name}/${f}`));
  }
  return { entries, others };
}

export default definePlugin<'dataset', { root: string; expected: number; maxBadFraction: number; align: boolean }>({
  kind: 'dataset',
  name: 'fedro',
  description: 'FED-RO (realistic occlusions, test only): <root>/<class>/occ_img_N.jpg with classes anger, disgust, fear, happy, neural|neutral, sad, surprise.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string', description: 'the FED-RO directory' },
      expected: { type: 'integer', minimum: 1, default: 400, description: 'images the paper reports (the circulating copy has 381)' },
      ...realDatasetOptions,
      ...alignOption,
    },
  },
  create(o, ctx): Dataset {
    requireLayout('FED-RO', o.root, [], '<root>/<class>/*.jpg with classes anger, disgust, fear, happy, neural, sad, surprise');
    let { entries, others } = fedroEntries(o.root);
    // An archive that unpacks to one folder holding the class folders: read them there.
    const subfolders = entries.length ? [] : readdirSync(o.root, { withFileTypes: true }).filter((d) => !isSystemEntry(d.name) && isFolderEntry(o.root, d));
    if (subfolders.length === 1) {
      const inner = join(o.root, subfolders[0].name);
      const found = fedroEntries(inner);
      if (found.entries.length > 0) {
        ({ entries, others } = found);
        ctx.log(`FED-RO: reading the class folders inside ${inner}`);
      }
    }
    const notice = othersNotice('FED-RO', others);
    if (notice) ctx.log(notice);
    if (entries.length === 0) {
      requireLayout('FED-RO', o.root, ['anger', 'happy'], '<root>/<class>/*.jpg with classes anger, disgust, fear, happy, neural, sad, surprise');
    }
    ctx.log(`FED-RO: ${entries.length} images found, ${o.expected} expected${entries.length !== o.expected ? ' (the report states the count evaluated)' : ''}`);
    return {
      title: `FED-RO (${entries.length} of ${o.expected} images)`,
      synthetic: false,
      classes: C7_CLASSES,
      splits: ['test'],
      open: (_split, size) => openImages({ dataset: 'fedro', entries, cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, align: o.align, log: ctx.log }),
    };
  },
});
