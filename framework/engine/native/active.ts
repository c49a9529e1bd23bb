import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND } from './kernels.js';
import type { NativeBackend } from './native-backend.js';

/** The native backend when it is the active one, else null: the framework's layers ask this per op. */
export function activeNative(): NativeBackend | null {
  return tf.getBackend() === NATIVE_BACKEND ? (tf.backend() as unknown as NativeBackend) : null;
}

/** The native backend if it is active and can run a Fer* kernel on these tensors (float32 in Float32Arrays). */
export function nativeFor(...ts: tf.Tensor[]): NativeBackend | null {
  const be = activeNative();
  return be && ts.every((t) => t.dtype === 'float32' && be.hasFloatStorage(t)) ? be : null;
}
