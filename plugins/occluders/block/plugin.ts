import { definePlugin } from '../../../framework/index.js';
import type { Occluder } from '../../../framework/index.js';
import { fillRule, fillSquare, resolveSquare, squareSchema, squareSide, type SquareOptions } from '../common/paste.js';

/** Table 3's R8/R16/R24: a square block at a random location, kept on the image. */
export default definePlugin<'occluder', SquareOptions>({
  kind: 'occluder',
  name: 'block',
  description: "A square of side `size` (given at `referenceSize`, scaled to imageSize) at a random location: Table 3's R8/R16/R24.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: squareSchema(16),
  },
  resolveOptions: resolveSquare,
  create(o, ctx): Occluder {
    const side = squareSide(o, ctx.imageSize);
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
