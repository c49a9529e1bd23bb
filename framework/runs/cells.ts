import type { ColumnSpec, EvaluationSpec, Manifest, ModelSpec, OptimizerSpec, TrainingSpec } from '../config/manifest.js';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { PluginRef } from '../plugin/contract.js';
import type { DatasetRef } from '../data/subject-folds.js';
import { configHash } from './hash.js';

/** Bumped when the meaning of a cell's config changes, so old runs are not reused. */
export const CELL_FORMAT = 1;

/** Everything a training depends on; its hash names the run directory. */
export interface TrainingCellConfig {
  format: number;
  seed: number;
  backend: string;
  imageSize: number;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  training: TrainingSpec;
}

/** One evaluation of a trained model; its hash names evals/<hash>.json inside the cell. */
export interface EvaluationConfig {
  test: ColumnSpec['test'];
  occluder: EvaluationSpec['occluder'];
  seed: number;
}

export interface EvaluationCell {
  column: string;
  /** Cross-validation fold of the model being evaluated, or null. */
  fold: number | null;
  evalIndex: number;
  label: string;
  bracket: boolean;
  config: EvaluationConfig;
  hash: string;
}

export interface TrainingCell {
  row: string;
  training: string;
  seed: number;
  /** Cross-validation fold (trainings with `folds`), or null. */
  fold: number | null;
  config: TrainingCellConfig;
  hash: string;
  evaluations: EvaluationCell[];
}

/** Every distinct dataset reference of an experiment: all rows' trainings, then the columns' test sets. */
export function datasetRefs(resolved: ResolvedManifest): PluginRef[] {
  const refs = new Map<string, PluginRef>();
  for (const row of resolved.rows) for (const t of Object.values(row.config.trainings)) for (const r of t.datasets) refs.set(JSON.stringify(r), r);
  for (const c of resolved.manifest.columns) refs.set(JSON.stringify(c.test.dataset), c.test.dataset);
  return [...refs.values()];
}

/**
 * A dataset reference for fold `fold` of a k-fold training: a dataset with fold options of its own
 * (CK+'s protocol) gets them set; any other is divided by subject by fer-run (data/subject-folds.ts).
 */
function withFold(ref: PluginRef, fold: number, folds: number): DatasetRef {
  const own = ref.options && 'fold' in ref.options && 'folds' in ref.options;
  return own ? { ...ref, options: { ...ref.options, fold, folds } } : { ...ref, subjectFold: { fold, folds } };
}

/**
 * Expands an experiment into training cells (rows × trainings used × seeds × folds), each with its
 * evaluations. With k folds, the training datasets get options {fold, folds}; so do the columns'
 * test datasets of the same type (the held-out fold), while other test sets (cross-dataset) do not.
 */
export function expandCells(resolved: ResolvedManifest, backend: string): TrainingCell[] {
  const m: Manifest = resolved.manifest;
  const cells: TrainingCell[] = [];
  const trainingsUsed = [...new Set(m.columns.map((c) => c.training))];
  for (const row of resolved.rows) {
    for (const training of trainingsUsed) {
      const spec = row.config.trainings[training];
      const folds: (number | null)[] = spec.folds ? Array.from({ length: spec.folds }, (_, k) => k) : [null];
      const trainTypes = new Set(spec.datasets.map((d) => d.type));
      for (const seed of m.seeds) {
        for (const fold of folds) {
          const foldRef = (ref: PluginRef) => (fold === null ? ref : withFold(ref, fold, spec.folds!));
          const config: TrainingCellConfig = {
            format: CELL_FORMAT,
            seed,
            backend,
            imageSize: m.imageSize,
            model: row.config.model,
            optimizer: row.config.optimizer,
            training: { ...spec, datasets: spec.datasets.map(foldRef) },
          };
          const evaluations: EvaluationCell[] = [];
          for (const column of m.columns.filter((c) => c.training === training)) {
            const test = trainTypes.has(column.test.dataset.type) ? { ...column.test, dataset: foldRef(column.test.dataset) } : column.test;
            column.evals.forEach((ev, evalIndex) => {
              const ec: EvaluationConfig = { test: ev.split ? { ...test, split: ev.split } : test, occluder: ev.occluder, seed };
              evaluations.push({ column: column.name, fold, evalIndex, label: ev.label, bracket: ev.bracket, config: ec, hash: configHash(ec) });
            });
          }
          cells.push({ row: row.name, training, seed, fold, config, hash: configHash(config), evaluations });
        }
      }
    }
  }
  return cells;
}
