import type { ModelSpec } from '../config/manifest.js';
import type { BuildContext } from '../plugin/contract.js';
import { FerModel } from './model.js';

/** Builds the network of a cell: backbone, then φ and D sized from it, then the classifier R. */
export async function buildModel(spec: ModelSpec, ctx: BuildContext, numClasses: number): Promise<FerModel> {
  const backbone = await ctx.build('backbone', spec.backbone);
  const attention = (await ctx.build('attention', spec.attention))?.build(backbone.lowShape) ?? null;
  const discriminator = (await ctx.build('discriminator', spec.discriminator))?.build(backbone.featureDim) ?? null;
  return new FerModel(backbone, attention, discriminator, numClasses, spec.classifierHidden, ctx.seed('classifier'));
}
