import type * as tfType from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import type { Occluder } from '../data/occluder.js';
import type { AttentionBuilder, Backbone, DiscriminatorBuilder } from '../engine/modules.js';
import type { Launcher } from '../runs/launcher.js';

/** The kinds of plugin a manifest can name, and what each kind's `create` returns. */
export interface KindProducts {
  dataset: Dataset;
  occluder: Occluder;
  backbone: Backbone;
  /** null for `none`: the variant without φ (and without L_noisy). */
  attention: AttentionBuilder | null;
  /** null for `none`: the variant without D (and without L_F, L_D). */
  discriminator: DiscriminatorBuilder | null;
  /** Where cells run: in process, in child processes, on queue workers. Never part of a result's identity. */
  launcher: Launcher;
}
export type PluginKind = keyof KindProducts;
export const PLUGIN_KINDS: readonly PluginKind[] = ['dataset', 'occluder', 'backbone', 'attention', 'discriminator', 'launcher'];

/** A reference to a plugin inside a manifest: `{ "type": "resnet-mini", "options": { ... } }`. */
export interface PluginRef {
  type: string;
  options?: Record<string, unknown>;
}

/** A JSON Schema object (draft 2020-12 subset that ajv understands). */
export type JsonSchema = Record<string, unknown>;

/**
 * What a plugin may use while it builds, and nothing more: plugin authors never see the container.
 */
export interface BuildContext {
  tf: typeof tfType;
  /** Side of the (square) network input, in pixels. */
  imageSize: number;
  /** A seed derived from the run's seed and `path` (e.g. "backbone/stage2"): same path, same seed. */
  seed(path: string): number;
  /** Builds a child plugin from a reference (already validated, defaults filled). */
  build<K extends PluginKind>(kind: K, ref: PluginRef): Promise<KindProducts[K]>;
  log(message: string): void;
  /** Directory for decoded/generated data caches (gitignored). */
  cacheDir: string;
  /** The run directory of the cell being built, when there is one. */
  runDir?: string;
}

export interface PluginDefinition<K extends PluginKind = PluginKind, O = any> {
  kind: K;
  name: string;
  description: string;
  /** JSON Schema of `options`, with defaults; unknown keys must be rejected (additionalProperties: false). */
  optionsSchema: JsonSchema;
  /**
   * Optional: derive option values that depend on the experiment (e.g. a block size in pixels at the
   * manifest's imageSize), written into the resolved manifest after validation.
   */
  resolveOptions?(options: O, env: { imageSize: number }): O;
  create(options: O, ctx: BuildContext): KindProducts[K] | Promise<KindProducts[K]>;
}

/** Identity helper that type-checks a plugin module's default export. */
export function definePlugin<K extends PluginKind, O = any>(def: PluginDefinition<K, O>): PluginDefinition<K, O> {
  return def;
}

/** A definition together with the file it came from (for duplicate-name errors). */
export interface LoadedPlugin {
  definition: PluginDefinition;
  file: string;
}
