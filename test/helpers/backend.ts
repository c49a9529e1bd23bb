import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../framework/engine/backend.js';

/** Tests run on the wasm backend (what `auto` picks on machines without tfjs-node). */
export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
}

/** Runs `f` on the cpu backend (tfjs's reference kernels), then switches back to wasm. */
export async function onCpu<T>(f: () => T | Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  try {
    return await f();
  } finally {
    await tf.setBackend('wasm');
  }
}
