import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** What the run uses: tensorflow (libtensorflow via tfjs-node[-gpu]), wasm or cpu. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The package that provided it. */
  package: string;
  tfjsVersion: string;
  threads?: number;
}

const require = createRequire(import.meta.url);

async function tryTensorflow(): Promise<BackendInfo | null> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
    } catch {
      continue;
    }
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return { name: 'tensorflow', package: pkg, tfjsVersion: tf.version.tfjs };
    } catch {
      /* installed but its native library does not load: try the next */
    }
  }
  return null;
}

async function tryWasm(): Promise<BackendInfo | null> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', tfjsVersion: tf.version.tfjs };
    }
  } catch {
    /* fall through */
  }
  return null;
}

let selected: BackendInfo | null = null;

/**
 * Picks the compute backend: `auto` tries tfjs-node-gpu, tfjs-node, then wasm, then cpu. A forced
 * backend that cannot load is an InputError saying how to install it.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  if (selected && (choice === 'auto' || choice === selected.name)) return selected;
  let info: BackendInfo | null = null;
  if (choice === 'tensorflow' || choice === 'auto') info = await tryTensorflow();
  if (!info && choice === 'tensorflow') {
    throw new InputError(
      'backend "tensorflow" was requested but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads. ' +
        'Install one (`npm install @tensorflow/tfjs-node@4.22.0`; it downloads libtensorflow, so it needs internet access), or use --backend auto.',
    );
  }
  if (!info && (choice === 'wasm' || choice === 'auto')) info = await tryWasm();
  if (!info && choice === 'wasm') {
    throw new InputError('backend "wasm" was requested but @tensorflow/tfjs-backend-wasm does not load. Reinstall with `npm ci`, or use --backend cpu.');
  }
  if (!info) {
    await tf.setBackend('cpu');
    await tf.ready();
    // The cpu backend prints a "install tfjs-node" banner on first use; fer-run says which backend it uses itself.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
    info = { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', tfjsVersion: tf.version.tfjs };
  }
  selected = info;
  return info;
}
