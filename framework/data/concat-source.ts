import type { SampleSource } from './dataset.js';

/** Several sources as one (Table 2's AffectNet + RAF-DB training set), in order. */
export function concatSources(sources: SampleSource[]): SampleSource {
  if (sources.length === 1) return sources[0];
  const offsets: number[] = [];
  let n = 0;
  for (const s of sources) (offsets.push(n), (n += s.length));
  return {
    length: n,
    skipped: sources.flatMap((s) => s.skipped),
    get(i) {
      let k = offsets.length - 1;
      while (offsets[k] > i) k--;
      return sources[k].get(i - offsets[k]);
    },
  };
}

/** The samples of `source` at `indices`, as a source of their own. */
export function subsetSource(source: SampleSource, indices: readonly number[]): SampleSource {
  return { length: indices.length, get: (i) => source.get(indices[i]), skipped: source.skipped };
}
