import type { CellJob } from './run-cell.js';

/**
 * The order cells are handed to a launcher: the longest first (the LPT rule of scheduling), so
 * the cheap cells fill the gaps at the end instead of one long cell running alone on a machine
 * whose other slots are idle. Synthetic Table 3 on 2 processes ended with one M_ResAttAdv cell
 * training alone for 30 s of its 6.4 minutes in the experiment's own order.
 *
 * A cell's length is not known before it runs; what its config says about it is compared in this
 * order: more epochs, then more of the model's optional parts (φ, D) in use — each adds its own
 * forward and backward work per image (M_ResAttAdv's step costs 1.1-1.3× M_Res's). Cells that
 * compare equal keep the experiment's order, so the order is a pure function of the manifest.
 */
export function longestFirst(jobs: readonly CellJob[]): CellJob[] {
  const parts = (j: CellJob) => [j.cell.config.model.attention, j.cell.config.model.discriminator].filter((p) => p.type !== 'none').length;
  return jobs
    .map((job, index) => ({ job, index, epochs: job.cell.config.training.epochs, parts: parts(job) }))
    .sort((a, b) => b.epochs - a.epochs || b.parts - a.parts || a.index - b.index)
    .map((e) => e.job);
}
