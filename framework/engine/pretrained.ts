import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import type { ParamSet } from './modules.js';

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** How a file's tensor names relate to a model's, and how strict the match is. */
export interface PretrainedMatch {
  /** The file's name for a variable key (the variable name without the prefix); default: the key itself. */
  rename?: (key: string) => string;
  /** Also require every tensor of the file to be used, except these names (a file of exactly this architecture). */
  exactly?: { except: readonly string[] };
}

/**
 * Loads weights from a tfjs-converter export (model.json + binary shards), e.g. the Keras ImageNet
 * ResNet50 converted with `tensorflowjs_converter --input_format keras`, or from a bare weights
 * manifest (a list of {paths, weights} groups, as face-api ships its nets). Tensors are matched by
 * name: a model variable `backbone/conv2_block1_1_conv/kernel` takes the file's tensor whose name
 * ends in `conv2_block1_1_conv/kernel` (after `match.rename`). Every variable must be found with the
 * same shape; quantised tensors are dequantised.
 */
export function loadPretrained(modelJson: string, params: ParamSet, prefix: string, match: PretrainedMatch = {}): number {
  if (!existsSync(modelJson)) {
    throw new InputError(`pretrained weights ${modelJson}: no such file. Give the path of a tfjs model.json (with its .bin shards beside it), or "pretrained": null to train from scratch.`);
  }
  let manifest: WeightsManifestGroup[];
  try {
    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    manifest = Array.isArray(json) ? json : json.weightsManifest;
    if (!Array.isArray(manifest)) throw new Error('no "weightsManifest" list');
  } catch (e) {
    throw new InputError(`pretrained weights ${modelJson}: not a tfjs model.json or weights manifest (${(e as Error).message}).`);
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
  const used = new Set<string>();
  for (const [name, v] of all) {
    const own = name.startsWith(prefix + '/') ? name.slice(prefix.length + 1) : name;
    const key = match.rename ? match.rename(own) : own;
    const found = names.find((n) => n === key || n.endsWith('/' + key));
    if (!found) {
      problems.push(`missing ${key}`);
      continue;
    }
    used.add(found);
    const t = byName.get(found)!;
    if (t.shape.join('x') !== v.shape.join('x')) {
      problems.push(`${key}: file has [${t.shape}], model needs [${v.shape}]`);
      continue;
    }
    v.assign(t.toFloat());
    loaded++;
  }
  if (match.exactly) for (const n of names) if (!used.has(n) && !match.exactly.except.includes(n)) problems.push(`the file's ${n} has no place in the model`);
  tf.dispose([...byName.values()]);
  if (problems.length) {
    throw new InputError(
      `pretrained weights ${modelJson} do not fit this backbone (${problems.length} problem(s) over ${all.size} tensors): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}. ` +
        'Check that the file is an export of the same architecture, or set "pretrained": null.',
    );
  }
  return loaded;
}
