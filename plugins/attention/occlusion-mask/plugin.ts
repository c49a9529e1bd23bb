import * as tf from '@tensorflow/tfjs';
import { definePlugin, ParamBuilder } from '../../../framework/index.js';
import type { Attention, ForwardState } from '../../../framework/index.js';

interface Options {
  layers: number;
  width: number;
  kernel: number;
}

/**
 * φ of the paper (fig. 1): conv–BN–ReLU layers on Res_low's output, then a 1×1 convolution to one
 * channel. It returns logits; the model applies the sigmoid, and L_noisy uses the logits directly.
 */
export default definePlugin<'attention', Options>({
  kind: 'attention',
  name: 'occlusion-mask',
  description: "φ: convolutions on Res_low's features ending in a 1-channel sigmoid occlusion mask at that resolution (supervised by L_noisy).",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      layers: { type: 'integer', minimum: 0, maximum: 8, default: 1, description: 'conv–BN–ReLU layers before the 1×1 output convolution' },
      width: { type: 'integer', minimum: 1, maximum: 1024, default: 16, description: 'channels of those layers' },
      kernel: { type: 'integer', enum: [1, 3, 5], default: 3, description: 'kernel size of those layers' },
    },
  },
  create: (o, ctx) => ({
    build([, , channels]): Attention {
      const pb = new ParamBuilder('attention', ctx.seed('attention'));
      const layers: ((x: tf.Tensor4D, s: ForwardState) => tf.Tensor4D)[] = [];
      let c = channels;
      for (let i = 0; i < o.layers; i++) {
        const conv = pb.conv(`conv${i + 1}`, o.kernel, c, o.width);
        const bn = pb.batchNorm(`bn${i + 1}`, o.width);
        layers.push((x, s) => bn(conv(x), s, true));
        c = o.width;
      }
      const out = pb.conv('mask', 1, c, 1, 1, 'same', true);
      layers.push((x) => out(x));
      return { params: pb.params, logits: (low, s) => layers.reduce((x, l) => l(x, s), low) };
    },
  }),
});
