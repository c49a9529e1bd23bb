import type { Occluder } from '../../../framework/data/occluder.js';
import { definePlugin } from '../../../framework/plugin/contract.js';
import { fillRule, fillSchema, fillSquare, scaledSide, type Fill } from '../common/paste.js';

interface Options {
  size: number;
  referenceSize: number;
  pixels: number | null;
  fill: Fill;
}

/** Table 3's R8/R16/R24: a square block at a random location, kept on the image. */
export default definePlugin<'occluder', Options>({
  kind: 'occluder',
  name: 'block',
  description: "A square of side `size` (given at `referenceSize`, scaled to imageSize) at a random location: Table 3's R8/R16/R24.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      size: { type: 'number', exclusiveMinimum: 0, default: 16, description: 'side in pixels at referenceSize (8, 16, 24 in the paper)' },
      referenceSize: { type: 'integer', minimum: 1, default: 100, description: 'input size at which `size` is given (the paper does not state its CK+ crop size; 100 px assumed)' },
      pixels: { type: ['integer', 'null'], minimum: 1, default: null, description: 'side in pixels at imageSize; filled in when the manifest is resolved' },
      fill: fillSchema,
    },
  },
  resolveOptions: (o, env) => ({ ...o, pixels: o.pixels ?? scaledSide(o.size, o.referenceSize, env.imageSize) }),
  create(o, ctx): Occluder {
    const side = Math.min(ctx.imageSize, o.pixels ?? scaledSide(o.size, o.referenceSize, ctx.imageSize));
    return {
      title: `R${o.size} block (${side} px at ${ctx.imageSize} px)`,
      apply(sample, size, rng) {
        const x0 = rng.int(size - side + 1);
        const y0 = rng.int(size - side + 1);
        return fillSquare(sample.image, size, x0, y0, side, fillRule(o.fill, () => rng.next()));
      },
    };
  },
});
