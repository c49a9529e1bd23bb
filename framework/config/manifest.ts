import type { BackendChoice } from '../engine/backends.js';
import type { PluginRef } from '../plugin/contract.js';

/** The resolved manifest: every default written out (see schemas/manifest.schema.json). */
export interface TrainingSpec {
  datasets: PluginRef[];
  split: string;
  occluder?: PluginRef;
  mix: number;
  epochs: number;
  batchSize: number;
  limit: number | null;
  folds: number | null;
}

export interface ModelSpec {
  backbone: PluginRef;
  attention: PluginRef;
  discriminator: PluginRef;
  classifierHidden: number[];
  lambda1: number;
  lambda2: number;
}

export interface OptimizerSpec {
  type: 'adam';
  lr: number;
  weightDecay: number;
  decoupled: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  schedule: { type: 'cosine-restarts' | 'constant'; period: number; min: number };
}

export interface EvaluationSpec {
  label: string;
  split: string | null;
  occluder: PluginRef | null;
  bracket: boolean;
}

export interface ColumnSpec {
  name: string;
  training: string;
  test: { dataset: PluginRef; split: string; limit: number | null };
  evals: EvaluationSpec[];
}

export interface RowSpec {
  name: string;
  set: Record<string, unknown>;
}

export interface Manifest {
  $schema?: string;
  name: string;
  title: string;
  description?: string;
  seeds: number[];
  backend: BackendChoice;
  /** Where the cells run; never part of a cell's config (results do not depend on it). */
  launcher: PluginRef;
  imageSize: number;
  trainings: Record<string, TrainingSpec>;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  rows: RowSpec[];
  columns: ColumnSpec[];
  reference?: { source: string; rows: Record<string, Record<string, (number | null)[]>> };
  report: { compare?: [string, string]; masksRow?: string; figures: boolean };
}

/** What one row trains with, after its `set` block: the part of the manifest a training cell depends on. */
export interface RowConfig {
  model: ModelSpec;
  optimizer: OptimizerSpec;
  trainings: Record<string, TrainingSpec>;
}
