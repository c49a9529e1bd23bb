import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { lossD, lossEmp, lossF, lossNoisy } from '../../framework/engine/losses.js';
import { useWasm } from '../helpers/backend.js';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe('losses (paper eqs. 2, 5, 6, 7) against hand-computed values', () => {
  before(useWasm);

  it('L_emp (eq. 7): mean cross-entropy of the true class', () => {
    // Row 1: logits [0, ln 3] → p = [1/4, 3/4], label 1 → −ln 3/4. Row 2: [ln 2, 0, 0] → p0 = 1/2, label 0 → ln 2.
    const v = tf.tidy(() => lossEmp(tf.tensor2d([[0, Math.log(3), -1e9], [Math.log(2), 0, 0]]), tf.tensor1d([1, 0])).dataSync()[0]);
    close(v, (-Math.log(3 / 4) + Math.log(2)) / 2);
  });

  it('L_noisy (eq. 2): per-pixel BCE averaged over w·h and the batch', () => {
    // p = σ(z): z = 0 → p = 1/2; z = ln 3 → p = 3/4. Targets 1, 0, 1, 1.
    const z = [0, Math.log(3), Math.log(3), 0];
    const y = [1, 0, 1, 1];
    const expected = -(Math.log(0.5) + Math.log(1 - 0.75) + Math.log(0.75) + Math.log(0.5)) / 4;
    const v = tf.tidy(() => lossNoisy(tf.tensor4d(z, [1, 2, 2, 1]), tf.tensor4d(y, [1, 2, 2, 1])).dataSync()[0]);
    close(v, expected);
  });

  it('L_noisy stays finite for confident logits', () => {
    const v = tf.tidy(() => lossNoisy(tf.tensor4d([80, -80], [1, 1, 2, 1]), tf.tensor4d([0, 1], [1, 1, 2, 1])).dataSync()[0]);
    close(v, 80, 1e-3);
  });

  it('L_F (eq. 5): cross-entropy against the empirical prior P_E', () => {
    // D outputs p = [1/4, 3/4]; P_E = [0.5, 0.5] → −(0.5 ln 1/4 + 0.5 ln 3/4).
    const v = tf.tidy(() => lossF(tf.tensor2d([[0, Math.log(3)]]), [0.5, 0.5]).dataSync()[0]);
    close(v, -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75)));
    // With P_E = [1, 0] it is the CE of class 0.
    const w = tf.tidy(() => lossF(tf.tensor2d([[0, Math.log(3)]]), [1, 0]).dataSync()[0]);
    close(w, -Math.log(0.25));
  });

  it('L_D (eq. 6): cross-entropy of the occlusion label', () => {
    const v = tf.tidy(() => lossD(tf.tensor2d([[0, Math.log(3)], [0, Math.log(3)]]), tf.tensor1d([1, 0])).dataSync()[0]);
    close(v, (-Math.log(0.75) - Math.log(0.25)) / 2);
  });
});
