import * as tf from '@tensorflow/tfjs';
import { simdKernels } from './pool.js';

/**
 * Convolution gradient kernels on tfjs's wasm heap (kernels.c), for conv2d.ts.
 *
 * The filter gradient by filter_grad: register tiles of rank-1 updates over x and dy in their
 * NHWC layout, no transposes, the images split among the threads in fixed groups (so the result
 * does not depend on the thread count). On this machine it runs at 20–27 GFLOP/s a thread, where
 * the same gradient as an XNNPACK convolution over transposed x and dy reaches ~7 on two threads
 * (its reduction has only the batch, 32 floats, contiguous per indirection pointer).
 */

const FILTER_GRAD = 'FerConv2DBackpropFilterSimd';
const PHASE_FILTER = 'FerPhaseFilterSimd';
let registered = false;

interface Attrs {
  kh: number;
  kw: number;
  stride: number;
  padTop: number;
  padLeft: number;
}

function register(): void {
  registered = true;
  tf.registerKernel({
    kernelName: FILTER_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const k = simdKernels()!;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { kh, kw, stride, padTop, padLeft } = attrs as unknown as Attrs;
      const [n, h, w, ci] = x.shape;
      const [, ho, wo, co] = dy.shape;
      const out = k.output([kh, kw, ci, co]);
      const size = kh * kw * ci * co;
      const groups = k.exports.groups();
      const partials = k.scratch(4 * size * (groups - 1));
      const shape = k.ints([n, h, w, ci, ho, wo, co, kh, kw, stride, padTop, padLeft]);
      k.run('filter_grad', [k.address(x), k.address(dy), k.address(out), partials, shape]);
      k.exports.sum_partials(k.address(out), partials, size, 0, 1);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: PHASE_FILTER,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const k = simdKernels()!;
      const { filter } = inputs as { filter: tf.TensorInfo };
      const { taps, shape } = attrs as unknown as { taps: number[]; shape: [number, number, number, number] };
      const [, , ci, co] = filter.shape;
      const out = k.output(shape);
      const table = k.ints(taps);
      k.run('phase_filter', [k.address(filter), table, shape[0] * shape[1], taps.length / (shape[0] * shape[1]), ci, co, k.address(out)]);
      return out;
    },
  });
}

/** dW [kh, kw, Ci, Co] of conv(x, W) given dy, or null where the SIMD kernels are not available. */
export function simdFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number, padTop: number, padLeft: number): tf.Tensor4D | null {
  if (!simdKernels()) return null;
  if (!registered) register();
  const attrs: Attrs = { kh, kw, stride, padTop, padLeft };
  return tf.engine().runKernel(FILTER_GRAD, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * conv2dInputGrad's combined filter [rows, cols, Co, phases·Ci] from its tap table in one gather,
 * or null where the SIMD kernels are not available. (tfjs's way, a selection GEMM plus a transpose,
 * cost ~0.5 ms per layer: XNNPACK packs the filter as GEMM weights on every call.)
 */
export function simdPhaseFilter(filter: tf.Tensor4D, taps: Int32Array, shape: [number, number, number, number]): tf.Tensor4D | null {
  if (!simdKernels()) return null;
  if (!registered) register();
  return tf.engine().runKernel(PHASE_FILTER, { filter }, { taps: Array.from(taps), shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
