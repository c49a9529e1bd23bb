import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alignOption, C7_CLASSES, definePlugin, openImages, realDatasetOptions, requireLayout } from '../../../framework/index.js';
import type { Dataset, ExpressionClass, ImageEntry } from '../../../framework/index.js';

/** FED-RO class folders → canonical classes ("neural" is the circulating spelling of neutral). */
export const FEDRO_FOLDERS: Record<string, ExpressionClass> = {
  anger: 'anger',
  disgust: 'disgust',
  fear: 'fear',
  happy: 'happy',
  neural: 'neutral',
  neutral: 'neutral',
  sad: 'sad',
  surprise: 'surprise',
};

export function fedroEntries(root: string): ImageEntry[] {
  const entries: ImageEntry[] = [];
  for (const folder of readdirSync(root).sort()) {
    const cls = FEDRO_FOLDERS[folder.toLowerCase()];
    if (!cls) continue;
    for (const f of readdirSync(join(root, folder)).filter((x) => /\.(jpe?g|png)$/i.test(x)).sort()) {
      entries.push({ id: `${folder}/${f}`, file: join(root, folder, f), label: C7_CLASSES.indexOf(cls) });
    }
  }
  return entries;
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
    const entries = fedroEntries(o.root);
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
