import type { Rng } from '../engine/rng.js';

/** One image of a training batch: which sample, and whether it is shown occluded. */
export interface MixItem {
  index: number;
  occluded: boolean;
}

/**
 * The paper's training mix: with `mix` = 0.5, every clean image in a batch is paired with an
 * occluded copy of itself (1:1). In general a batch of B holds round(B·mix) occluded images and
 * B − round(B·mix) clean ones, drawn from max(clean, occluded) distinct samples; an epoch covers
 * every sample once in a seeded order.
 */
export function epochPlan(n: number, batchSize: number, mix: number, rng: Rng): MixItem[][] {
  const nOcc = Math.round(batchSize * mix);
  const nClean = batchSize - nOcc;
  const distinct = Math.max(nOcc, nClean);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const batches: MixItem[][] = [];
  for (let start = 0; start < n; start += distinct) {
    const chosen = order.slice(start, start + distinct);
    // A short last batch keeps the same clean:occluded proportion.
    const k = chosen.length / distinct;
    const clean = chosen.slice(0, Math.round(nClean * k));
    const occ = chosen.slice(0, Math.round(nOcc * k));
    batches.push([...clean.map((index) => ({ index, occluded: false })), ...occ.map((index) => ({ index, occluded: true }))]);
  }
  return batches;
}

/** P_E(y_occ) of a plan: [fraction clean, fraction occluded] (eq. 5 uses it as the target). */
export function occlusionPrior(plan: MixItem[][]): [number, number] {
  let occ = 0;
  let all = 0;
  for (const b of plan) for (const it of b) (all++, it.occluded && occ++);
  return all === 0 ? [1, 0] : [(all - occ) / all, occ / all];
}
