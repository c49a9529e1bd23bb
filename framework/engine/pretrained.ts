import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import type { ParamSet } from './modules.js';

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/**
 * Loads weights from a tfjs-converter export (model.json + binary shards), e.g. the Keras ImageNet
 * ResNet50 converted with `tensorflowjs_converter --input_format keras`. Tensors are matched by name:
 * a model variable `backbone/conv2_block1_1_conv/kernel` takes the file's tensor whose name ends in
 * `conv2_block1_1_conv/kernel`. Every variable must be found with the same shape.
 */
export function loadPretrained(modelJson: string, params: ParamSet, prefix: string): number {
  if (!existsSync(modelJson)) {
    throw new InputError(`pretrained weights ${modelJson}: no such file. Give the path of a tfjs model.json (with its .bin shards beside it), or "pretrained": null to train from scratch.`);
  }
  let manifest: WeightsManifestGroup[];
  try {
    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    manifest = json.weightsManifest;
    if (!Array.isArray(manifest)) throw new Error('no "weightsManifest" list');
  } catch (e) {
    throw new InputError(`pretrained weights ${modelJson}: not a tfjs model.json (${(e as Error).message}).`);
  }
  const byName = new Map<string, tf.Tensor>();
  for (const group of manifest) {
    const buffers = group.paths.map((p) => {
      const file = join(dirname(modelJson), p);
      if (!existsSync(file)) throw new InputError(`pretrained weights ${modelJson}: shard ${p} is missing next to it.`);
      return readFileSync(file);
    });
    const all = Buffer.concat(buffers);
    const tensors = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), group.weights);
    for (const [name, t] of Object.entries(tensors)) byName.set(name, t);
  }
  const names = [...byName.keys()];
  const problems: string[] = [];
  let loaded = 0;
  const all = new Map([...params.trainable, ...params.state]);
  for (const [name, v] of all) {
    const key = name.startsWith(prefix + '/') ? name.slice(prefix.length + 1) : name;
    const match = names.find((n) => n === key || n.endsWith('/' + key));
    if (!match) {
      problems.push(`missing ${key}`);
      continue;
    }
    const t = byName.get(match)!;
    if (t.shape.join('x') !== v.shape.join('x')) {
      problems.push(`${key}: file has [${t.shape}], model needs [${v.shape}]`);
      continue;
    }
    v.assign(t.toFloat());
    loaded++;
  }
  tf.dispose([...byName.values()]);
  if (problems.length) {
    throw new InputError(
      `pretrained weights ${modelJson} do not fit this backbone (${problems.length} of ${all.size} tensors): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}. ` +
        'Check that the file is an export of the same architecture, or set "pretrained": null.',
    );
  }
  return loaded;
}
