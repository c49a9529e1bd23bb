import * as tf from '@tensorflow/tfjs';

/**
 * A variable made from `init`, which is disposed: tf.variable shares its argument's storage, so
 * an initial tensor left alive holds a second reference to it forever. That kept every weight's
 * initial values and every Adam moment's zeros alive beside the trained ones (three copies of the
 * parameters: 128 MiB for ResNet-18, 294 MiB for ResNet-50), and, the storage being shared, made
 * the native backend copy each variable on its first update instead of updating it in place.
 */
export function variableFrom(init: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}
