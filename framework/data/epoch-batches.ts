import { Rng } from '../engine/rng.js';
import { assembleBatch, type HostBatch } from './batch.js';
import type { SampleSource } from './dataset.js';
import type { Occluder } from './occluder.js';
import { epochPlan, type MixItem } from './training-mix.js';

/**
 * The batches of one training, epoch by epoch: the seeded 1:1 plan of epoch e comes from
 * Rng.derive(seed, "epoch/e/order") and its occlusions from one stream, Rng.derive(seed,
 * "epoch/e/occlusion"), drawn in batch order — so any thread that walks the epochs in order
 * produces byte-identical batches.
 */
export class EpochBatches {
  constructor(
    private readonly source: SampleSource,
    private readonly occluder: Occluder | null,
    private readonly o: { seed: number; batchSize: number; mix: number; imageSize: number; maskH: number; maskW: number },
  ) {}

  plan(epoch: number): MixItem[][] {
    return epochPlan(this.source.length, this.o.batchSize, this.occluder ? this.o.mix : 0, Rng.derive(this.o.seed, `epoch/${epoch}/order`));
  }

  *batches(epoch: number): Generator<HostBatch> {
    const rng = Rng.derive(this.o.seed, `epoch/${epoch}/occlusion`);
    for (const items of this.plan(epoch)) {
      yield assembleBatch({ source: this.source, items, occluder: this.occluder, size: this.o.imageSize, maskH: this.o.maskH, maskW: this.o.maskW, rng });
    }
  }
}

/** Where the training loop takes its batches from, in order. */
export interface BatchFeed {
  next(epoch: number): Promise<HostBatch>;
  close(): Promise<void>;
}

/** Batches assembled on the training thread, just in time. */
export function inlineFeed(batches: EpochBatches): BatchFeed {
  let current: { epoch: number; it: Generator<HostBatch> } | null = null;
  return {
    async next(epoch) {
      if (!current || current.epoch !== epoch) current = { epoch, it: batches.batches(epoch) };
      const r = current.it.next();
      if (r.done) throw new Error(`epoch ${epoch} has no more batches`);
      return r.value;
    },
    async close() {},
  };
}
