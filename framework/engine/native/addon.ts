import { createRequire } from 'node:module';

/**
 * The optional oneDNN addon (package @fer-run/dnnl, built from framework/native-addon at install
 * time when Debian's libdnnl-dev is present). Every function writes into the Float32Arrays it is
 * given; sizes are checked by the addon, which throws a JS error rather than touching memory out
 * of bounds.
 */
export interface DnnlAddon {
  /** kind 0 forward (x, filter → y), 1 backward-data (dy, filter → dx), 2 backward-weights (x, dy → dfilter). */
  conv2d(kind: 0 | 1 | 2, dims: number[], a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** A workspace (of batchNormWorkspaceSize floats) selects the fused ReLU: y = max(BN(x), 0). */
  batchNormTrain(nhwc: number[], eps: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, workspace: Float32Array | null): void;
  batchNormWorkspaceSize(nhwc: number[], eps: number): number;
  batchNormGrad(
    nhwc: number[],
    eps: number,
    x: Float32Array,
    dy: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    workspace: Float32Array | null,
  ): void;
  batchNormInfer(nhwc: number[], eps: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, y: Float32Array, relu: number): void;
  relu(x: Float32Array, y: Float32Array): void;
  reluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  /** y = max(a + b, 0), same sizes. */
  addRelu(a: Float32Array, b: Float32Array, y: Float32Array): void;
  /** op 0 add, 1 sub, 2 mul, 3 div over outShape; strides 0 on broadcast dimensions, inner strides 0 or 1. */
  binary(op: 0 | 1 | 2 | 3, outShape: number[], aStrides: number[], bStrides: number[], a: Float32Array, b: Float32Array, out: Float32Array): void;
  globalAvgPool(n: number, hw: number, c: number, x: Float32Array, y: Float32Array): void;
  globalAvgPoolGrad(n: number, hw: number, c: number, dy: Float32Array, dx: Float32Array): void;
  /** dims: n, h, w, c, kh, kw, oh, ow, strideH, strideW, padTop, padLeft (NHWC). */
  maxPool(dims: number[], x: Float32Array, y: Float32Array): void;
  maxPoolGrad(dims: number[], dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** out[p, k] = low[p, k]·(1 − σ(m[p])) over `pixels` rows of `c` channels. */
  occlusionGate(pixels: number, c: number, low: Float32Array, m: Float32Array, out: Float32Array): void;
  occlusionGateGrad(pixels: number, c: number, dy: Float32Array, low: Float32Array, m: Float32Array, dlow: Float32Array, dm: Float32Array): void;
  /** out[0] = mean binary cross-entropy of sigmoid(z) against y. */
  bceWithLogitsMean(z: Float32Array, y: Float32Array, out: Float32Array): void;
  bceWithLogitsMeanGrad(dloss: Float32Array, z: Float32Array, y: Float32Array, dz: Float32Array): void;
  /** out[j] = Σ_i x[i, j] over a rows × cols matrix. */
  columnSums(rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  /** out = alpha·x + beta·y; out may be x. */
  axpby(x: Float32Array, y: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  /** hyper = [lr, beta1, beta2, epsilon, weightDecay, decoupled 0/1, 1 − beta1^t, 1 − beta2^t]. */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array, hyper: number[]): void;
  matMul(batch: number, m: number, n: number, k: number, transposeA: number, transposeB: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  dnnlVersion(): string;
  /** The instruction set oneDNN dispatches to ("avx2", "avx512_core", …): the CPU's, or less under ONEDNN_MAX_CPU_ISA. */
  cpuIsa(): string;
}

export const ADDON_PACKAGE = '@fer-run/dnnl';

/**
 * The V8 flag native runs start with (V8's background GC threads slow oneDNN's OpenMP threads on
 * few cores; see cli/relaunch.ts, which restarts a run with it).
 */
export const NATIVE_GC_FLAG = '--single-threaded-gc';

/** Set FER_RUN_NO_NATIVE=1 to run as if the addon were not installed (the fallback path's test uses it). */
export const DISABLE_ENV = 'FER_RUN_NO_NATIVE';

/**
 * oneDNN's own variable capping its instruction set. oneDNN picks its kernels by the CPU, and an
 * AVX-512 kernel sums in another order than an AVX2 one, so the same manifest and seed train to
 * (slightly) different numbers on AVX2 and AVX-512 machines; with ONEDNN_MAX_CPU_ISA=AVX2 an AVX-512
 * machine trains to the AVX2 numbers (at AVX2 speed). The instruction set is recorded per run.
 */
export const CPU_ISA_ENV = 'ONEDNN_MAX_CPU_ISA';

export type AddonLoad = { addon: DnnlAddon; error: null } | { addon: null; error: string };

let loaded: AddonLoad | null = null;

export function loadDnnlAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.env[DISABLE_ENV] === '1') {
    loaded = { addon: null, error: `disabled by ${DISABLE_ENV}=1` };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PACKAGE) as DnnlAddon;
    loaded = { addon, error: null };
  } catch (e) {
    loaded = { addon: null, error: (e as Error).message.split('\n')[0] };
  }
  return loaded;
}
