import * as tf from '@tensorflow/tfjs';
import type { DnnlAddon } from './addon.js';
import { NATIVE_BACKEND, registerNativeKernels } from './kernels.js';
import { NativeBackend } from './native-backend.js';

/** Registers the `native` backend (once) over a loaded addon. */
export function registerNativeBackend(addon: DnnlAddon): void {
  if (tf.findBackendFactory(NATIVE_BACKEND)) return;
  registerNativeKernels();
  // Priority 0: tfjs never picks it by itself; fer-run selects backends explicitly.
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(addon), 0);
}
