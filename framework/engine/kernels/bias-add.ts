import * as tf from '@tensorflow/tfjs';

/**
 * x + b with b ([C]) broadcast over x's last axis: a convolution's or a dense layer's bias.
 * tf.add would do, but its gradient saves both inputs (to learn their shapes) and so keeps every
 * biased convolution's output alive until the backward pass reaches it: ResNet-50's biased
 * convolutions held 328 MiB that way at 112 px, batch 32. This gradient needs nothing saved:
 * dx = dy, db = dy summed over all but the last axis (the numbers tf.add's gradient gives).
 */
export const biasAdd = tf.customGrad(((x: tf.Tensor, b: tf.Tensor) => ({
  value: tf.add(x, b),
  gradFunc: (dy: tf.Tensor) => [dy, tf.sum(dy, [...Array(dy.rank - 1).keys()])],
})) as unknown as Parameters<typeof tf.customGrad>[0]) as <T extends tf.Tensor>(x: T, b: tf.Tensor1D) => T;
