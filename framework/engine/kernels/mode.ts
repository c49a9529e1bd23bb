/**
 * Which gradient kernels the model's layers use: fer-run's (default) or tfjs's stock ones.
 * Only the benchmark switches this, to measure the speed-up on the same network in one run.
 */
export type KernelMode = 'fer-run' | 'stock';

let mode: KernelMode = 'fer-run';

export function setKernelMode(m: KernelMode): void {
  mode = m;
}

export function kernelMode(): KernelMode {
  return mode;
}
