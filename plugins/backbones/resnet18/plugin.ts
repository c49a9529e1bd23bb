import { definePlugin } from '../../../framework/index.js';
import { pretrainedSchema, withPretrained } from '../resnet-common/pretrained-option.js';
import { buildResNet } from '../resnet-common/resnet.js';

/** ResNet-18: basic blocks [2, 2, 2, 2], widths 64–512, 7×7/2 stem with 3×3/2 max-pool. */
export default definePlugin<'backbone', { pretrained: string | null }>({
  kind: 'backbone',
  name: 'resnet18',
  description: 'ResNet-18 (basic blocks [2,2,2,2], 64–512 channels); optional pretrained weights from a tfjs model.json.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { pretrained: pretrainedSchema } },
  create: (o, ctx) =>
    withPretrained(
      buildResNet(
        { block: 'basic', blocks: [2, 2, 2, 2], widths: [64, 128, 256, 512], stemWidth: 64, stemKernel: 7, stemStride: 2, stemPool: true, convBias: false },
        ctx.seed('backbone'),
        ctx.imageSize,
      ),
      o.pretrained,
      ctx,
    ),
});
