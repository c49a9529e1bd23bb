import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { alignOption, CANONICAL_CLASSES, canonicalClass, CLASS_SYNONYMS, csvFields, definePlugin, didYouMean, hashString, IMAGE_EXTENSIONS, InputError, isFolderEntry, isImageFile, isSystemEntry, listImages, listLines, openImages, othersNotice, realDatasetOptions, requireLayout, Rng } from '../../../framework/index.js';
import type { Dataset, ExpressionClass, ImageEntry } from '../../../framework/index.js';

interface Options {
  align: boolean;
  root: string;
  classMap: Record<string, string>;
  subjects?: { regex?: string; csv?: string };
  testFraction: number;
  maxBadFraction: number;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Maps a folder name to a canonical class: through `classMap`, else by its own name in any case or a common spelling of it (angry, happiness, …). */
export function folderClass(folder: string, classMap: Record<string, string>): ExpressionClass | null {
  return canonicalClass(classMap[folder] ?? folder);
}

/**
 * Each image's subject (person), from the first group of a regex on its path relative to the root
 * ("/"-separated, e.g. "happy/S010_004.png" with "_(S\\d+)_|^[^/]+/(S\\d+)"), or from a CSV of
 * file,subject lines (paths relative to the root; a "file,subject" header is allowed). Every image
 * must get one: an image left without is an error naming it, never a silent drop.
 */
export function subjectsOf(ids: readonly string[], o: NonNullable<Options['subjects']>, root: string): string[] {
  if ((o.regex === undefined) === (o.csv === undefined)) throw new InputError('image-folder: "subjects" takes exactly one of "regex" (on each file\'s path under the root) or "csv" (a file of file,subject lines).');
  let subjectOf: (id: string) => string | undefined;
  if (o.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(o.regex);
    } catch (e) {
      throw new InputError(`image-folder: subjects.regex ${JSON.stringify(o.regex)} is not a regular expression: ${(e as Error).message}.`);
    }
    subjectOf = (id) => {
      const m = re.exec(id);
      return m ? m.slice(1).find((g) => g !== undefined) : undefined;
    };
  } else {
    const file = isAbsolute(o.csv!) ? o.csv! : join(root, o.csv!);
    if (!existsSync(file)) throw new InputError(`image-folder: the subjects CSV ${file} does not exist. Give "subjects": {"csv": ...} a file of file,subject lines (paths relative to ${root}).`);
    const map = new Map<string, string>();
    for (const [i, l] of listLines(file).entries()) {
      const [f, subject, ...rest] = csvFields(l.text);
      if (i === 0 && f.toLowerCase() === 'file' && subject?.toLowerCase() === 'subject') continue;
      if (!subject || rest.length) throw new InputError(`${l.at}: expected "file,subject" (a path under ${root} and the person's id), got ${JSON.stringify(l.text)}.`);
      map.set(f.replaceAll('\\', '/'), subject);
    }
    subjectOf = (id) => map.get(id);
  }
  const subjects = ids.map(subjectOf);
  const missing = ids.filter((_, i) => !subjects[i]);
  if (missing.length) {
    throw new InputError(
      `image-folder: ${missing.length} of ${ids.length} images get no subject from ${o.regex !== undefined ? `subjects.regex ${JSON.stringify(o.regex)} (its first group)` : `subjects.csv ${o.csv}`}, e.g. ${missing.slice(0, 3).join(', ')}. ` +
        (o.regex !== undefined ? 'Fix the regex so that a group captures the person in every path.' : 'Add a line for each of them.'),
    );
  }
  return subjects as string[];
}

/**
 * Your own data: <root>/<class>/*.{jpg,png,webp,tif} (a class folder's subfolders too), or
 * <root>/train/<class>/… and <root>/test/<class>/… (or val/, validation/).
 * Without split folders, a stable hash of each file name puts `testFraction` of them in "test".
 */
export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'image-folder',
  description: 'Your own images: <root>/<class>/*.{jpg,png,webp,tif} (subfolders of a class folder included; or <root>/train/… and <root>/test/… or val/…), class folders mapped onto the canonical labels.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string' },
      classMap: { type: 'object', additionalProperties: { enum: [...CANONICAL_CLASSES] }, default: {}, description: 'folder name → canonical class (folders named after a class, or by a common spelling of one such as angry or happiness, need no entry)' },
      testFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.2, description: 'share of images in "test" when there are no train/test folders (by subject when subjects are given)' },
      subjects: {
        type: 'object',
        additionalProperties: false,
        properties: {
          regex: { type: 'string', description: 'the subject is the first group matching the path under root ("/"-separated), e.g. "^[^/]+/(S\\d+)_"' },
          csv: { type: 'string', description: 'a CSV of file,subject lines, relative to root' },
        },
        description: 'who is in each image (one of regex, csv): the train/test split and "folds" then keep each person on one side',
      },
      ...realDatasetOptions,
      ...alignOption,
    },
  },
  create(o, ctx): Dataset {
    requireLayout('image-folder', o.root, [], '<root>/<class>/*.jpg');
    // A split layout: train/ beside test/, or beside val/ or validation/ (AffectNet's folder copies), which is then "test".
    const testDir = isDir(join(o.root, 'train')) ? ['test', 'val', 'validation'].find((d) => isDir(join(o.root, d))) : undefined;
    if (testDir && testDir !== 'test') ctx.log(`image-folder: ${testDir}/ is the "test" split (beside train/)`);
    const idOf = (file: string) => file.slice(o.root.length + 1).split(sep).join('/');
    // Class folders (their subfolders included); anything else found is said in the log, never dropped silently.
    const others: string[] = [];
    const loose: string[] = [];
    const scan = (dir: string): { folder: string; file: string }[] => {
      const found: { folder: string; file: string }[] = [];
      for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (isSystemEntry(d.name)) continue;
        if (isFolderEntry(dir, d)) {
          const listing = listImages(join(dir, d.name), true);
          found.push(...listing.images.map((f) => ({ folder: d.name, file: join(dir, d.name, ...f.split('/')) })));
          others.push(...listing.others.map((f) => idOf(join(dir, d.name, ...f.split('/')))));
        } else if (isImageFile(d.name)) loose.push(idOf(join(dir, d.name)));
      }
      return found;
    };
    const scanned = testDir ? { train: scan(join(o.root, 'train')), test: scan(join(o.root, testDir)) } : null;
    const all = scanned ? [...scanned.train, ...scanned.test] : scan(o.root);
    const folders = [...new Set(all.map((x) => x.folder))];
    const unmapped = folders.filter((f) => !folderClass(f, o.classMap));
    // A folder of class folders (an archive unpacked into a folder of its own): the root is one level too high.
    const wrapper = unmapped.map((f) => join(scanned ? join(o.root, 'train') : o.root, f)).find((d) => isDir(d) && readdirSync(d).some((c) => folderClass(c, o.classMap) && isDir(join(d, c))));
    if (wrapper) {
      throw new InputError(`image-folder: ${wrapper} holds class folders itself: point "root" at it (it is one level below ${o.root}), so that each class folder sits directly under the root.`);
    }
    if (unmapped.length) {
      throw new InputError(
        `image-folder: folder(s) ${unmapped.map((f) => `"${f}"`).join(', ')} in ${o.root} are not canonical classes.${didYouMean(unmapped[0], CANONICAL_CLASSES)} ` +
          `Map them with the "classMap" option (e.g. {"${unmapped[0]}": "happy"}); canonical classes: ${CANONICAL_CLASSES.join(', ')}.`,
      );
    }
    const notice = othersNotice('image-folder', others);
    if (notice) ctx.log(notice);
    if (loose.length) ctx.log(`image-folder: left out ${loose.length} image(s) in no class folder (e.g. ${loose.slice(0, 3).join(', ')}): move each into the folder of its class.`);
    if (all.length === 0) throw new InputError(`image-folder: no ${IMAGE_EXTENSIONS.join('/')} images in class folders under ${o.root}.${notice ? ' ' + notice : ''}`);
    const respelled = folders.filter((f) => !o.classMap[f] && CLASS_SYNONYMS[f.toLowerCase()]);
    if (respelled.length) ctx.log(`image-folder: class folders read by their common spelling: ${respelled.map((f) => `${f} → ${folderClass(f, {})}`).join(', ')} (a "classMap" entry overrides this)`);
    const present = new Set(folders.map((f) => folderClass(f, o.classMap)!));
    const classes = CANONICAL_CLASSES.filter((c) => present.has(c));
    const subjectList = o.subjects ? subjectsOf(all.map((x) => idOf(x.file)), o.subjects, o.root) : null;
    const subjects = subjectList ? new Map(all.map((x, i) => [x.file, subjectList[i]])) : null;
    const entry = (x: { folder: string; file: string }): ImageEntry => ({ id: idOf(x.file), file: x.file, label: classes.indexOf(folderClass(x.folder, o.classMap)!), ...(subjects ? { subject: subjects.get(x.file) } : {}) });
    // Without split folders, a stable hash decides the side: of the subject when known (a person is never on both sides), else of the file.
    // (A subject's draw goes through the RNG: ids such as person-1 … person-7 differ in one character, and the bare FNV hash of such strings stays close.)
    const inTest = (x: { file: string }) =>
      (subjects ? Rng.derive(0, `image-folder/test/${subjects.get(x.file)}`).nextU32() : hashString(x.file.slice(o.root.length))) / 2 ** 32 < o.testFraction;
    const splits: Record<string, ImageEntry[]> = scanned
      ? { train: scanned.train.map(entry), test: scanned.test.map(entry) }
      : { train: all.filter((x) => !inTest(x)).map(entry), test: all.filter(inTest).map(entry) };
    splits.all = [...splits.train, ...splits.test];
    return {
      title: `image folder ${o.root}${o.align ? ' (faces aligned by fer-run)' : ''}`,
      synthetic: false,
      classes,
      splits: Object.keys(splits),
      open: (split, size) => openImages({ dataset: `image-folder-${hashString(o.root).toString(16)}-${split}`, entries: splits[split], cacheDir: ctx.cacheDir, size, maxBadFraction: o.maxBadFraction, align: o.align, log: ctx.log }),
    };
  },
});
