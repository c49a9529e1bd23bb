import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { ADDON_PACKAGE, loadDnnlAddon } from './native/addon.js';
import { NATIVE_BACKEND } from './native/kernels.js';
import { registerNativeBackend } from './native/register.js';
import { registerWasmOverrides } from './kernels/wasm-overrides.js';
import { registerThreadedWasm, threadsUnavailable, wasmThreadCount, wasmThreadsInUse } from './wasm-threads.js';

import type { BackendChoice, BackendName } from './backends.js';

export type { BackendChoice } from './backends.js';

export interface BackendInfo {
  /** What the run uses: tensorflow (libtensorflow via tfjs-node[-gpu]), native (oneDNN kernels on tfjs's cpu backend), wasm or cpu. */
  name: BackendName;
  /** The package that provided it. */
  package: string;
  tfjsVersion: string;
  /** XNNPACK's thread count, for the wasm backend. */
  threads?: number;
  /** oneDNN's version, for the native backend. */
  dnnl?: string;
  /** The instruction set oneDNN's kernels run with (native): it decides the last bits of every sum. */
  dnnlIsa?: string;
  /** A one-line notice for the user: auto selection passed over the native kernels, or wasm runs without threads, and why. */
  notice?: string;
}

/** "native (@fer-run/dnnl, oneDNN 2.6.3 avx2, tfjs 4.22.0)": what a run says it uses. */
export function describeBackend(b: BackendInfo): string {
  return `${b.name} (${b.package}${b.dnnl ? `, oneDNN ${b.dnnl}${b.dnnlIsa ? ` ${b.dnnlIsa}` : ''}` : ''}, tfjs ${b.tfjsVersion}${b.threads ? `, ${b.threads} thread${b.threads > 1 ? 's' : ''}` : ''})`;
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

/** How to get the native backend, for notices and errors. */
const NATIVE_HOWTO = 'Install oneDNN (`apt-get install libdnnl-dev` on Debian/Ubuntu), then run `npm install` again so the optional addon builds';

async function tryNative(): Promise<BackendInfo | { error: string }> {
  const load = loadDnnlAddon();
  if (!load.addon) return { error: load.error };
  try {
    registerNativeBackend(load.addon);
    if (!(await tf.setBackend(NATIVE_BACKEND))) return { error: 'the native backend failed to initialise' };
    await tf.ready();
    return { name: 'native', package: ADDON_PACKAGE, tfjsVersion: tf.version.tfjs, dnnl: load.addon.dnnlVersion(), dnnlIsa: load.addon.cpuIsa() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function tryWasm(): Promise<BackendInfo | null> {
  try {
    await registerThreadedWasm(wasmThreadCount());
    registerWasmOverrides();
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      const info: BackendInfo = { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', tfjsVersion: tf.version.tfjs, threads: wasmThreadsInUse() };
      const why = threadsUnavailable();
      return why ? { ...info, notice: `XNNPACK's threads unavailable (${why}); wasm runs on one thread.` } : info;
    }
  } catch {
    /* fall through */
  }
  return null;
}

let selected: BackendInfo | null = null;

/**
 * Picks the compute backend: `auto` tries tfjs-node-gpu, tfjs-node, fer-run's native oneDNN
 * kernels, then wasm, then cpu. A forced backend that cannot load is an InputError saying how to
 * install it.
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
  let notice: string | undefined;
  if (!info && (choice === 'native' || choice === 'auto')) {
    const r = await tryNative();
    if ('error' in r) {
      if (choice === 'native') {
        throw new InputError(`backend "native" was requested but fer-run's oneDNN addon (${ADDON_PACKAGE}) does not load: ${r.error}. ${NATIVE_HOWTO}, or use --backend auto.`);
      }
      notice = `native oneDNN kernels unavailable (${r.error}); training falls back to wasm, several times slower. ${NATIVE_HOWTO}.`;
    } else info = r;
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
  if (notice) info = { ...info, notice: info.notice ? `${notice} ${info.notice}` : notice };
  selected = info;
  return info;
}
