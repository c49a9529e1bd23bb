import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../framework/engine/backend.js';

/** Tests run on the wasm backend (what `auto` picks on machines without tfjs-node). */
export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
}

/** Runs `f` on tfjs's cpu backend (its reference kernels), then switches back to `back`. */
async function onCpuThen<T>(back: string, f: () => T | Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  try {
    return await f();
  } finally {
    await tf.setBackend(back);
  }
}

/** Runs `f` on the cpu backend, then switches back to wasm. */
export const onCpu = <T>(f: () => T | Promise<T>): Promise<T> => onCpuThen('wasm', f);

/**
 * Switches to the native (oneDNN) backend, or skips the calling suite where the addon is not
 * built. CI sets FER_RUN_REQUIRE_NATIVE=1 after installing libdnnl-dev, so there a missing addon
 * fails instead of skipping.
 */
export async function useNative(this: Mocha.Context): Promise<void> {
  try {
    await selectBackend('native');
  } catch (e) {
    if (process.env.FER_RUN_REQUIRE_NATIVE === '1') throw e;
    this.skip();
  }
}

/** Runs `f` on tfjs's stock cpu backend, then switches back to native. */
export const onStockCpu = <T>(f: () => T | Promise<T>): Promise<T> => onCpuThen('native', f);
