import type { Dataset, SampleSource } from './dataset.js';
import { openSplit, pluginRefOf, type DatasetRef } from './subject-folds.js';
import { InputError } from '../errors.js';
import type { PluginRef } from '../plugin/contract.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';

const refKey = (ref: PluginRef) => JSON.stringify(ref);

/**
 * Datasets and opened splits, shared by every cell a process runs: a split is decoded (or drawn)
 * once per image size, and the cells of a run reuse it. The batch-preparing worker thread holds
 * one of its own, since a thread cannot share the training thread's decoded samples.
 */
export class DataCache {
  private readonly datasets = new Map<string, Dataset>();
  private readonly sources = new Map<string, Promise<SampleSource>>();

  constructor(
    readonly registry: PluginRegistry,
    readonly cacheDir: string,
    private readonly log: (l: string) => void,
  ) {}

  async dataset(folded: DatasetRef, imageSize: number): Promise<Dataset> {
    // One dataset for all the folds fer-run cuts from it.
    const ref = pluginRefOf(folded);
    const key = `${refKey(ref)}@${imageSize}`;
    let d = this.datasets.get(key);
    if (!d) {
      // Datasets do not depend on the run seed: their content is fixed, like a real dataset's.
      const ctx = createBuildContext({ registry: this.registry, seed: 0, imageSize, cacheDir: this.cacheDir, log: this.log });
      d = await ctx.build('dataset', ref);
      this.datasets.set(key, d);
    }
    return d;
  }

  async open(ref: DatasetRef, split: string, imageSize: number): Promise<SampleSource> {
    const d = await this.dataset(ref, imageSize);
    if (!ref.subjectFold && !d.splits.includes(split)) throw new InputError(`dataset "${ref.type}" has no split "${split}"; its splits are ${d.splits.join(', ')}.`);
    const key = `${refKey(ref)}@${imageSize}#${split}`;
    let s = this.sources.get(key);
    if (!s) {
      this.log(`preparing ${d.title}, split ${split}${ref.subjectFold ? ` of subject fold ${ref.subjectFold.fold + 1}/${ref.subjectFold.folds}` : ''}, at ${imageSize} px`);
      s = openSplit(d, ref, split, imageSize);
      // A failed open is not kept: the next cell tries again and reports its own error.
      s.catch(() => this.sources.delete(key));
      this.sources.set(key, s);
    }
    return s;
  }
}
