import { Rng } from '../engine/rng.js';
import { InputError } from '../errors.js';
import type { PluginRef } from '../plugin/contract.js';
import { concatSources, subsetSource } from './concat-source.js';
import type { Dataset, SampleSource } from './dataset.js';

/** A subject-independent cross-validation fold that fer-run cuts itself, for datasets without fold options of their own. */
export interface SubjectFold {
  fold: number;
  folds: number;
}

/** A training's or column's dataset reference; `subjectFold` when fer-run cuts the folds (cells.ts sets it). */
export type DatasetRef = PluginRef & { subjectFold?: SubjectFold };

/**
 * Which fold each subject is in: the distinct subjects sorted, shuffled by a fixed seed and dealt
 * round-robin, as CK+'s protocol does, so a subject never sits in two folds and the folds hold
 * as many subjects each as can be.
 */
export function subjectFolds(subjects: Iterable<string>, folds: number): Map<string, number> {
  const order = Rng.derive(0, 'subject-folds').shuffle([...new Set(subjects)].sort());
  return new Map(order.map((s, i) => [s, i % folds]));
}

/**
 * Opens a split of a dataset. With a subject fold, every sample of the dataset (its "all" split,
 * or all of its splits) is divided by subject: split "test" is the held-out fold, any other split
 * the remaining folds.
 */
export async function openSplit(dataset: Dataset, ref: DatasetRef, split: string, size: number): Promise<SampleSource> {
  const f = ref.subjectFold;
  if (!f) return dataset.open(split, size);
  const pool = dataset.splits.includes('all') ? await dataset.open('all', size) : concatSources(await Promise.all(dataset.splits.map((s) => dataset.open(s, size))));
  const subjects: string[] = [];
  let without = 0;
  for (let i = 0; i < pool.length; i++) {
    const s = pool.get(i).subject;
    if (s === undefined || s === '') without++;
    subjects.push(s ?? '');
  }
  if (without > 0) {
    throw new InputError(
      `dataset "${ref.type}" (${dataset.title}): "folds" needs every sample's subject, and ${without} of its ${pool.length} samples have none. ` +
        `Give the subjects (image-folder: the "subjects" option, a regex on the file path or a CSV of file,subject), or drop "folds" from the training.`,
    );
  }
  const foldOf = subjectFolds(subjects, f.folds);
  if (foldOf.size < f.folds) throw new InputError(`dataset "${ref.type}" (${dataset.title}) has ${foldOf.size} subjects, fewer than the ${f.folds} folds asked for: use "folds" of ${foldOf.size} or fewer.`);
  const held = split === 'test';
  const indices = subjects.flatMap((s, i) => ((foldOf.get(s) === f.fold) === held ? [i] : []));
  return subsetSource(pool, indices);
}

/** The reference a dataset plugin builds from: without the fold fer-run cuts (the dataset itself is the same for every fold). */
export function pluginRefOf(ref: DatasetRef): PluginRef {
  if (!ref.subjectFold) return ref;
  const { subjectFold: _f, ...plain } = ref;
  return plain;
}
