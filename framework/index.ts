/**
 * fer-run's public API for plugin authors: `import { definePlugin, ParamBuilder } from 'fer-run'`.
 * Plugins see only what is exported here and the BuildContext they are given; the built-in
 * plugins under plugins/ import nothing else of the framework (test/plugin/public-api.spec.ts).
 */
export { definePlugin, PLUGIN_KINDS } from './plugin/contract.js';
export type { BuildContext, JsonSchema, KindProducts, PluginDefinition, PluginKind, PluginRef } from './plugin/contract.js';
export type { Box, Dataset, Regions, Sample, SampleSource } from './data/dataset.js';
export type { Occluder, Occlusion } from './data/occluder.js';
export type { Attention, AttentionBuilder, Backbone, Discriminator, DiscriminatorBuilder, ForwardState, ParamSet } from './engine/modules.js';
export { CANONICAL_CLASSES, C7_CLASSES, CLASS_SYNONYMS, canonicalClass } from './data/labels.js';
export type { ExpressionClass } from './data/labels.js';

// Datasets: samples drawn or decoded once into the image cache; image files on disk.
export { cachedSource } from './data/image-cache.js';
export type { Produced, SampleRecord } from './data/image-cache.js';
/** A real dataset's image files, decoded, cropped and cached; its layout checks and shared options. */
export { alignOption, insideRoot, landmarkHull, listLines, openImages, realDatasetOptions, regionsFromLandmarks, requireLayout } from './data/real-images.js';
export type { ImageEntry } from './data/real-images.js';
export { csvFields } from './data/csv.js';
export { textLines } from './data/text-lines.js';
export { IMAGE_EXTENSIONS, isFolderEntry, isImageFile, isSystemEntry, listImages, othersNotice } from './data/image-files.js';
export type { ImageListing } from './data/image-files.js';

// Models: parameters, and the kernels that use the native backend's fused forms when it is active.
export { ParamBuilder } from './engine/layers.js';
/** ReLU that uses the native backend's one-pass kernels when active: use it in plugins instead of tf.relu. */
export { addRelu, relu } from './engine/kernels/activation.js';
export { globalAvgPool } from './engine/kernels/pooling.js';
/** Copies a tfjs layers model's weights (model.json + shards) into a plugin's parameters, checked by name and shape. */
export { loadPretrained } from './engine/pretrained.js';

export { Rng, deriveSeed, hashString } from './engine/rng.js';
export { InputError, RunError } from './errors.js';
/** "did you mean" for a plugin's own option values (class names, regions ...). */
export { didYouMean } from './plugin/did-you-mean.js';

// Launchers: cells as data (CellJob → CellResult), run in this process, in a child process
// (startCellRunner: the sandbox every launcher's workers use), or anywhere their records can come
// back from (RecordStore.importRecord).
export type { Launcher, LaunchEnv, RunnerSpec, ServeEnv } from './runs/launcher.js';
export type { CellJob, CellResult } from './runs/run-cell.js';
export { startCellRunner } from './runs/cell-runner.js';
export type { CellRunner, RunnerOptions } from './runs/cell-runner.js';
export { RecordStore } from './runs/record-store.js';
export type { CellRecord } from './runs/record-store.js';
export { identityMismatch } from './runs/identity.js';
export type { FerRunIdentity } from './runs/identity.js';
