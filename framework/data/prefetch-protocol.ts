import type { DatasetRef } from './subject-folds.js';
import type { PluginRef } from '../plugin/contract.js';
import type { HostBatch } from './batch.js';

/** What the batch-preparing worker needs to rebuild the training data and occluder on its own thread. */
export interface PrefetchInit {
  pluginFiles: string[];
  datasets: DatasetRef[];
  split: string;
  occluder: PluginRef | null;
  seed: number;
  imageSize: number;
  cacheDir: string;
  indices: number[];
  batchSize: number;
  mix: number;
  maskH: number;
  maskW: number;
  startEpoch: number;
  epochs: number;
}

export type FromWorker = { kind: 'batch'; epoch: number; index: number; batch: HostBatch } | { kind: 'error'; message: string; input: boolean };
export type ToWorker = { kind: 'init'; init: PrefetchInit } | { kind: 'credit'; n: number };
