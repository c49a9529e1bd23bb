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

/**
 * One worker serves the cells of a process one after another; `run` numbers a cell's stream, so
 * a batch still in flight from the previous cell's stream is recognised and dropped.
 */
export type FromWorker = { kind: 'batch'; run: number; epoch: number; index: number; batch: HostBatch } | { kind: 'error'; run: number; message: string; input: boolean };
export type ToWorker = { kind: 'init'; run: number; init: PrefetchInit } | { kind: 'credit'; run: number; n: number } | { kind: 'stop'; run: number };
