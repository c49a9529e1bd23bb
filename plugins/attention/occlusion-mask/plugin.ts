import * as tf from '@tensorflow/tfjs';
import { definePlugin, ParamBuilder } from '../../../framework/index.js';
import type { Attention, ForwardState } from '../../../framework/index.js';

interface Options {
  layers: number;
  width: number;
  kernel: number;
  context: number;
}

/**
 * Nearest-neighbour upsampling by `f` in both directions, written as broadcasting multiplies of
 * rank-4 tensors so that its gradient (sums over the copies) runs on every backend.
 */
function upsample(x: tf.Tensor4D, f: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const copies = tf.ones([1, 1, f, 1]);
    const cols = tf.reshape(tf.mul(tf.reshape(x, [n * h, w, 1, c]), copies), [n, h, 1, w * f * c]);
    return tf.reshape(tf.mul(cols, copies), [n, h * f, w * f, c]);
  });
}

/**
 * `count` conv–BN–ReLU layers of `width` channels (the first from `channels`), their parameters
 * named by `names(i)`, as one function of the input.
 */
function convBnReluStack(
  pb: ParamBuilder,
  count: number,
  channels: number,
  width: number,
  kernel: number,
  stride: number,
  names: (i: number) => [conv: string, bn: string],
): (x: tf.Tensor4D, s: ForwardState) => tf.Tensor4D {
  const layers: ((x: tf.Tensor4D, s: ForwardState) => tf.Tensor4D)[] = [];
  for (let i = 0; i < count; i++) {
    const [convName, bnName] = names(i);
    const conv = pb.conv(convName, kernel, i === 0 ? channels : width, width, stride);
    const bn = pb.batchNorm(bnName, width);
    layers.push((x, s) => bn(conv(x), s, true));
  }
  return (x, s) => layers.reduce((y, l) => l(y, s), x);
}

/**
 * φ of the paper (fig. 1): conv–BN–ReLU layers on Res_low's output, then a 1×1 convolution to one
 * channel. It returns logits; the model applies the sigmoid, and L_noisy uses the logits directly.
 * The paper does not give φ's layers. With `context` > 0 a coarse path (that many stride-2
 * conv–BN–ReLU levels, its own 1×1 output upsampled back) adds its logits to the local ones: the
 * local path sees ~15 px of a 64-px face through resnet-mini's Res_low, less than an occluder, and
 * cannot tell a skin-toned hand from a cheek, or an object's edge from the hairline.
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
      context: { type: 'integer', minimum: 0, maximum: 4, default: 0, description: 'stride-2 3×3 conv–BN–ReLU levels of a coarse path whose logits, upsampled, are added to the local ones (a receptive field wider than an occluder)' },
    },
  },
  create: (o, ctx) => ({
    build([h, w, channels]): Attention {
      const pb = new ParamBuilder('attention', ctx.seed('attention'));
      const local = convBnReluStack(pb, o.layers, channels, o.width, o.kernel, 1, (i) => [`conv${i + 1}`, `bn${i + 1}`]);
      const out = pb.conv('mask', 1, o.layers > 0 ? o.width : channels, 1, 1, 'same', true);
      const localLogits = (low: tf.Tensor4D, s: ForwardState) => out(local(low, s));
      if (o.context === 0) return { params: pb.params, logits: localLogits };
      const coarse = convBnReluStack(pb, o.context, channels, o.width, 3, 2, (i) => [`context${i + 1}`, `context${i + 1}/bn`]);
      const coarseOut = pb.conv('context/mask', 1, o.width, 1, 1, 'same', true);
      const f = 2 ** o.context;
      return {
        params: pb.params,
        logits: (low, s) =>
          tf.tidy(() => {
            const up = upsample(coarseOut(coarse(low, s)), f);
            // 'same' stride-2 convolutions round odd sizes up: crop the upsampled map back to h × w.
            const fitted = up.shape[1] === h && up.shape[2] === w ? up : tf.slice(up, [0, 0, 0, 0], [-1, h, w, -1]);
            return tf.add(localLogits(low, s), fitted);
          }),
      };
    },
  }),
});
