import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CANONICAL_CLASSES, definePlugin, didYouMean, hashString, InputError, openImages, realDatasetOptions, requireLayout } from '../../../framework/index.js';
import type { Dataset, ExpressionClass, ImageEntry } from '../../../framework/index.js';

interface Options {
  root: string;
  classMap: Record<string, string>;
  testFraction: number;
  maxBadFraction: number;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Maps a folder name to a canonical class: through `classMap`, else by its own (case-insensitive) name. */
export function folderClass(folder: string, classMap: Record<string, string>): ExpressionClass | null {
  const target = (classMap[folder] ?? folder).toLowerCase();
  return (CANONICAL_CLASSES as readonly string[]).includes(target) ? (target as ExpressionClass) : null;
}

/**
 * Your own data: <root>/<class>/*.{jpg,png}, or <root>/train/<class>/… and <root>/test/<class>/….
 * Without split folders, a stable hash of each file name puts `testFraction` of them in "test".
 */
export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'image-folder',
  description: 'Your own images: <root>/<class>/*.{jpg,png} (or <root>/train/… and <root>/test/…), class folders mapped onto the canonical labels.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string' },
      classMap: { type: 'object', additionalProperties: { enum: [...CANONICAL_CLASSES] }, default: {}, description: 'folder name → canonical class (folders named after a class need no entry)' },
      testFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.2, description: 'share of images in "test" when there are no train/test folders' },
      ...realDatasetOptions,
    },
  },
  create(o, ctx): Dataset {
    requireLayout('image-folder', o.root, [], '<root>/<class>/*.jpg');
    const hasSplits = isDir(join(o.root, 'train')) && isDir(join(o.root, 'test'));
    const scan = (dir: string): { folder: string; file: string }[] =>
      readdirSync(dir)
        .filter((f) => isDir(join(dir, f)))
        .sort()
        .flatMap((folder) => readdirSync(join(dir, folder)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => ({ folder, file: join(dir, folder, f) })));
    const all = hasSplits ? [...scan(join(o.root, 'train')), ...scan(join(o.root, 'test'))] : scan(o.root);
    const folders = [...new Set(all.map((x) => x.folder))];
    const unmapped = folders.filter((f) => !folderClass(f, o.classMap));
    if (unmapped.length) {
      throw new InputError(
        `image-folder: folder(s) ${unmapped.map((f) => `"${f}"`).join(', ')} in ${o.root} are not canonical classes.${didYouMean(unmapped[0], CANONICAL_CLASSES)} ` +
          `Map them with the "classMap" option (e.g. {"${unmapped[0]}": "happy"}); canonical classes: ${CANONICAL_CLASSES.join(', ')}.`,
      );
    }
    if (all.length === 0) throw new InputError(`image-folder: no .jpg or .png images in class folders under ${o.root}.`);
    const present = new Set(folders.map((f) => folderClass(f, o.classMap)!));
    const classes = CANONICAL_CLASSES.filter((c) => present.has(c));
    const entry = (x: { folder: string; file: string }): ImageEntry => ({ id: x.file.slice(o.root.length + 1), file: x.file, label: classes.indexOf(folderClass(x.folder, o.classMap)!) });
    const splits: Record<string, ImageEntry[]> = hasSplits
      ? { train: scan(join(o.root, 'train')).map(entry), test: scan(join(o.root, 'test')).map(entry) }
      : {
          train: all.filter((x) => hashString(x.file.slice(o.root.length)) / 2 ** 32 >= o.testFraction).map(entry),
          test: all.filter((x) => hashString(x.file.slice(o.root.length)) / 2 ** 32 < o.testFraction).map(entry),
        };
    splits.all = [...splits.train, ...splits.test];
    return {
      title: `image folder ${o.root}`,
      synthetic: false,
      classes,
      splits: Object.keys(splits),
      open: (split, size) => openImages({ dataset: `image-folder-${hashString(o.root).toString(16)}-${split}`, entries: splits[split], cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, log: ctx.log }),
    };
  },
});
