/**
 * fer-run's public API for plugin authors: `import { definePlugin, ParamBuilder } from 'fer-run'`.
 * Plugins see only what is exported here and the BuildContext they are given.
 */
export { definePlugin, PLUGIN_KINDS } from './plugin/contract.js';
export type { BuildContext, JsonSchema, KindProducts, PluginDefinition, PluginKind, PluginRef } from './plugin/contract.js';
export type { Box, Dataset, Regions, Sample, SampleSource } from './data/dataset.js';
export type { Occluder, Occlusion } from './data/occluder.js';
export type { Attention, AttentionBuilder, Backbone, Discriminator, DiscriminatorBuilder, ForwardState, ParamSet } from './engine/modules.js';
export { CANONICAL_CLASSES, C7_CLASSES } from './data/labels.js';
export type { ExpressionClass } from './data/labels.js';
export { cachedSource } from './data/image-cache.js';
export { ParamBuilder } from './engine/layers.js';
/** ReLU that uses the native backend's one-pass kernels when active: use it in plugins instead of tf.relu. */
export { relu } from './engine/kernels/activation.js';
export { Rng, deriveSeed } from './engine/rng.js';
export { InputError, RunError } from './errors.js';
