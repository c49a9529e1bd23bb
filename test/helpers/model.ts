import * as tf from '@tensorflow/tfjs';
import { loadRegistry } from '../../framework/cli/session.js';
import type { ModelSpec } from '../../framework/config/manifest.js';
import { FerModel } from '../../framework/engine/model.js';
import type { Backbone } from '../../framework/engine/modules.js';
import type { BatchTensors } from '../../framework/engine/train-step.js';
import { createBuildContext } from '../../framework/plugin/build-context.js';
import type { PluginRegistry } from '../../framework/plugin/registry.js';
import { buildModel } from '../../framework/engine/build-model.js';

let registry: PluginRegistry | null = null;
export async function registry_(): Promise<PluginRegistry> {
  return (registry ??= await loadRegistry());
}

export type Variant = 'M_Res' | 'M_ResAtt' | 'M_ResAdv' | 'M_ResAttAdv';

export function tinySpec(variant: Variant): ModelSpec {
  return {
    backbone: { type: 'resnet-mini', options: { widths: [4, 8, 8, 16] } },
    attention: variant.includes('Att') ? { type: 'occlusion-mask', options: { width: 4, layers: 1 } } : { type: 'none' },
    discriminator: variant.includes('Adv') ? { type: 'mlp', options: { hidden: [8] } } : { type: 'none' },
    classifierHidden: [],
    lambda1: 0.1,
    lambda2: 0.1,
  };
}

export async function tinyModel(variant: Variant, seed = 1, imageSize = 16, classes = 3, backbone?: ModelSpec['backbone']): Promise<FerModel> {
  const ctx = createBuildContext({ registry: await registry_(), seed, imageSize, cacheDir: '/tmp/fer-run-test-cache' });
  return buildModel({ ...tinySpec(variant), ...(backbone ? { backbone } : {}) }, ctx, classes);
}

/** A random batch for a model: images, labels, half occluded, with masks at φ's resolution. */
export function randomBatch(model: FerModel, n: number, imageSize: number, classes: number, seed = 0): BatchTensors {
  const [h, w] = model.backbone.lowShape;
  return tf.tidy(() => ({
    images: tf.randomUniform([n, imageSize, imageSize, 3], 0, 255, 'float32', seed) as tf.Tensor4D,
    labels: tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes)),
    occluded: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2)),
    masks: tf.cast(tf.greater(tf.randomUniform([n, h, w, 1], 0, 1, 'float32', seed + 1), 0.5), 'float32') as tf.Tensor4D,
  }));
}

/** A snapshot of a set of variables' values. */
export function snapshot(vars: Map<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...vars].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
}

export function changed(before: Map<string, Float32Array>, vars: Map<string, tf.Variable>): string[] {
  const out: string[] = [];
  for (const [k, v] of vars) {
    const a = before.get(k)!;
    const b = v.dataSync();
    if (a.some((x, i) => x !== b[i])) out.push(k);
  }
  return out;
}

/** A backbone plugin built as a run builds it (seed 3), logging to `log`. */
export async function buildBackbone(type: string, options: Record<string, unknown>, imageSize: number, log?: (l: string) => void): Promise<Backbone> {
  return createBuildContext({ registry: await registry_(), seed: 3, imageSize, cacheDir: '/tmp/fer-run-test-cache', log }).build('backbone', { type, options });
}

/** An inference-mode forward state. */
export const inferenceState = () => ({ training: false, updates: [] });
