import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../engine/rng.js';
import { InputError } from '../errors.js';
import { formatAjvError, mostSpecific } from '../schema/format-error.js';
import type { BuildContext, KindProducts, PluginDefinition, PluginKind, PluginRef } from './contract.js';
import { resolvePluginOptions } from './options.js';
import type { PluginRegistry } from './registry.js';

export interface BuildContextOptions {
  registry: PluginRegistry;
  seed: number;
  imageSize: number;
  cacheDir: string;
  runDir?: string;
  log?: (message: string) => void;
}

/** A reference's options, validated (defaults written into a copy) and resolved, or an InputError. */
function checkedOptions(def: PluginDefinition, kind: PluginKind, ref: PluginRef, imageSize: number): Record<string, unknown> {
  const r = resolvePluginOptions(def, structuredClone(ref.options ?? {}), imageSize);
  if (!r.ok) throw new InputError(`${kind} "${ref.type}": options ${formatAjvError(mostSpecific(r.errors))}`);
  return r.options;
}

/** The context plugins build with; `build` is how a plugin gets a child plugin by reference. */
export function createBuildContext(o: BuildContextOptions): BuildContext {
  const ctx: BuildContext = {
    tf,
    imageSize: o.imageSize,
    cacheDir: o.cacheDir,
    runDir: o.runDir,
    seed: (path) => deriveSeed(o.seed, path),
    log: o.log ?? (() => {}),
    async build<K extends PluginKind>(kind: K, ref: PluginRef): Promise<KindProducts[K]> {
      const def = o.registry.get(kind, ref.type);
      return (await def.create(checkedOptions(def, kind, ref, o.imageSize), ctx)) as KindProducts[K];
    },
  };
  return ctx;
}
