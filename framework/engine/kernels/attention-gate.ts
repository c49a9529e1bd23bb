import * as tf from '@tensorflow/tfjs';
import { nativeFor } from '../native/active.js';

/**
 * Eq. 1's gate: Res_low(x) ⊙ (1 − φ(Res_low(x))), with φ = sigmoid of the attention logits
 * [N, H, W, 1] broadcast over the channels of `low` [N, H, W, C]. One kernel each way on the
 * native backend (the tfjs ops are sigmoid, sub, a broadcasting mul and their four gradients).
 */
export function occlusionGate(low: tf.Tensor4D, maskLogits: tf.Tensor4D): tf.Tensor4D {
  if (nativeFor(low, maskLogits) && maskLogits.shape[3] === 1) return tf.engine().runKernel('FerOcclusionGate', { low, m: maskLogits }) as tf.Tensor4D;
  return tf.mul(low, tf.sub(1, tf.sigmoid(maskLogits))) as tf.Tensor4D;
}
