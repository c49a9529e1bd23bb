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
