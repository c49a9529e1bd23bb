import { definePlugin } from '../../../framework/index.js';
import { buildResNet } from '../resnet-common/resnet.js';

interface Options {
  block: 'basic' | 'bottleneck';
  blocks: [number, number, number, number];
  widths: [number, number, number, number];
  stemStride: number;
}

/** A small ResNet for CPU runs: the embedded default's backbone (≈310k parameters at the defaults). */
export default definePlugin<'backbone', Options>({
  kind: 'backbone',
  name: 'resnet-mini',
  description: 'Small ResNet (configurable depth and width; 3×3 stem, no max-pool) for CPU runs. Res_low = stem + stage 1.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      block: { enum: ['basic', 'bottleneck'], default: 'basic' },
      blocks: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 8 }, minItems: 4, maxItems: 4, default: [1, 1, 1, 1], description: 'blocks per stage' },
      widths: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 1024 }, minItems: 4, maxItems: 4, default: [16, 32, 64, 128], description: 'channels per stage' },
      stemStride: { type: 'integer', enum: [1, 2], default: 2 },
    },
  },
  create: (o, ctx) =>
    buildResNet(
      { block: o.block, blocks: o.blocks, widths: o.widths, stemWidth: o.widths[0], stemKernel: 3, stemStride: o.stemStride, stemPool: false, convBias: false },
      ctx.seed('backbone'),
      ctx.imageSize,
    ),
});
