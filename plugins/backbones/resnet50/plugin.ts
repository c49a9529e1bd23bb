import { definePlugin } from '../../../framework/index.js';
import { pretrainedSchema, withPretrained } from '../resnet-common/pretrained-option.js';
import { buildResNet } from '../resnet-common/resnet.js';

/** ResNet-50 as in Keras applications: bottleneck blocks [3, 4, 6, 3], biased convolutions, layer names kept. */
export default definePlugin<'backbone', { pretrained: string | null }>({
  kind: 'backbone',
  name: 'resnet50',
  description: "ResNet-50 (bottleneck blocks [3,4,6,3], Keras layer names); optional ImageNet weights from a tfjs-converter export of Keras' ResNet50.",
  optionsSchema: { type: 'object', additionalProperties: false, properties: { pretrained: pretrainedSchema } },
  create: (o, ctx) =>
    withPretrained(
      buildResNet(
        { block: 'bottleneck', blocks: [3, 4, 6, 3], widths: [64, 128, 256, 512], stemWidth: 64, stemKernel: 7, stemStride: 2, stemPool: true, convBias: true },
        ctx.seed('backbone'),
        ctx.imageSize,
      ),
      o.pretrained,
      ctx,
    ),
});
