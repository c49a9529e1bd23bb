import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';

/**
 * ReLU for the framework's layers. On the native backend it is one kernel each way (FerRelu, and
 * a gradient from the saved output); tfjs's own ReLU gradient is step + cast + multiply, three
 * passes and three allocations over every activation map.
 */
export function relu<T extends tf.Tensor>(x: T): T {
  if (nativeFor(x)) return tf.engine().runKernel('FerRelu', { x }) as T;
  return tf.relu(x);
}

/** relu(a + b) for two tensors of one shape (a residual block's end): one kernel each way on the native backend. */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (nativeFor(a, b) && tf.util.arraysEqual(a.shape, b.shape)) return tf.engine().runKernel('FerAddRelu', { a, b }) as T;
  return relu(tf.add(a, b) as T);
}
