import * as tf from '@tensorflow/tfjs';
import { nativeFor } from './native/active.js';

/**
 * The paper's losses (section 3), each averaged over the batch. Inputs are logits; probabilities
 * are formed inside with numerically stable log-softmax / log-sigmoid.
 */

/** Eq. 7: L_emp = −Σ_i 1(i = y_e) log p_i^e, mean over the batch. */
export function lossEmp(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/**
 * Eq. 2: L_noisy = −1/(w·h) Σ_ij [y log p + (1−y) log(1−p)] with p = sigmoid(z), mean over the batch.
 * Written with logits: −[y log σ(z) + (1−y) log σ(−z)] = max(z,0) − z·y + log(1 + e^{−|z|}).
 */
export function lossNoisy(maskLogits: tf.Tensor4D, targetMask: tf.Tensor4D): tf.Scalar {
  // One native kernel each way on the native backend (FerBceWithLogitsMean), the formula below elsewhere.
  if (nativeFor(maskLogits, targetMask)) return tf.engine().runKernel('FerBceWithLogitsMean', { z: maskLogits, y: targetMask }) as tf.Scalar;
  return tf.tidy(() => {
    const z = maskLogits;
    const perPixel = tf.add(tf.sub(tf.relu(z), tf.mul(z, targetMask)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.mean(perPixel) as tf.Scalar;
  });
}

/** Eq. 5: L_F = −Σ_i P_E(y_occ = i) log P(y_occ = i | F(x)), mean over the batch; prior = [P_E(0), P_E(1)]. */
export function lossF(discLogits: tf.Tensor2D, prior: readonly [number, number]): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(discLogits);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.tensor1d([prior[0], prior[1]])), 1))) as tf.Scalar;
  });
}

/** Eq. 6: L_D = −Σ_i 1(i = y_occ) log P(y_occ = i | F(x)), mean over the batch. */
export function lossD(discLogits: tf.Tensor2D, occluded: tf.Tensor1D): tf.Scalar {
  return lossEmp(discLogits, occluded);
}
