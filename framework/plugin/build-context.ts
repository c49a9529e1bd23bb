import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../engine/rng.js';
import { InputError } from '../errors.js';
import { pluginValidator } from '../schema/ajv.js';
import { formatAjvError, mostSpecific } from '../schema/format-error.js';
import type { BuildContext, KindProducts, PluginKind, PluginRef } from './contract.js';
import type { PluginRegistry } from './registry.js';

export interface BuildContextOptions {
  registry: PluginRegistry;
  seed: number;
  imageSize: number;
  cacheDir: string;
  runDir?: string;
  log?: (message: string) => void;
}

/** Validates a reference's options (defaults written into a copy) and returns them. */
export function checkedOptions(registry: PluginRegistry, kind: PluginKind, ref: PluginRef, imageSize: number): Record<string, unknown> {
  const def = registry.get(kind, ref.type);
  const options = structuredClone(ref.options ?? {});
  const v = pluginValidator(def);
  if (!v(options)) throw new InputError(`${kind} "${ref.type}": options ${formatAjvError(mostSpecific(v.errors ?? []))}`);
  return def.resolveOptions ? (def.resolveOptions(options, { imageSize }) as Record<string, unknown>) : options;
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
      return (await def.create(checkedOptions(o.registry, kind, ref, o.imageSize), ctx)) as KindProducts[K];
    },
  };
  return ctx;
}
