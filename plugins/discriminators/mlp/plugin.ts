import * as tf from '@tensorflow/tfjs';
import { definePlugin, ParamBuilder, relu } from '../../../framework/index.js';
import type { Discriminator } from '../../../framework/index.js';

interface Options {
  hidden: number[];
}

/** D^F of the paper: fully connected layers on F(x) with a 2-way (clean / occluded) output. */
export default definePlugin<'discriminator', Options>({
  kind: 'discriminator',
  name: 'mlp',
  description: 'Feature discriminator D^F: fully connected ReLU layers on F(x), 2-way occlusion logits.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      hidden: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 8192 }, default: [64], description: 'hidden layer widths' },
    },
  },
  create: (o, ctx) => ({
    build(featureDim): Discriminator {
      const pb = new ParamBuilder('discriminator', ctx.seed('discriminator'));
      const layers: ((x: tf.Tensor2D) => tf.Tensor2D)[] = [];
      let width = featureDim;
      o.hidden.forEach((h, i) => {
        const d = pb.dense(`fc${i + 1}`, width, h);
        layers.push((x) => relu(d(x)));
        width = h;
      });
      layers.push(pb.dense('logits', width, 2));
      return { params: pb.params, logits: (f) => layers.reduce((x, l) => l(x), f) };
    },
  }),
});
