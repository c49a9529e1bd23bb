import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';

/**
 * Global average pooling [N, H, W, C] → [N, C]. On the native backend one kernel each way;
 * tf.mean transposes before reducing, and its gradient materialises a ones tensor of x's shape.
 */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  if (nativeFor(x)) return tf.engine().runKernel('FerGlobalAvgPool', { x }) as tf.Tensor2D;
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** tfjs's MaxPool / MaxPoolGrad attributes. */
export interface MaxPoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The 12 numbers fer-run's max-pooling kernels take (native and wasm SIMD): n, h, w, c, kh, kw,
 * oh, ow, stride_h, stride_w, pad_top, pad_left, for an NHWC input; null where they do not apply.
 */
export function maxPoolDims(xShape: readonly number[], a: MaxPoolAttrs): number[] | null {
  if (xShape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const p = info.padInfo;
  if (p.top < 0 || p.left < 0) return null;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, p.top, p.left];
}
