import { definePlugin, InputError } from '../../../framework/index.js';
import type { Occluder } from '../../../framework/index.js';
import { fillRule, fillSquare, resolveSquare, squareSchema, squareSide, type SquareOptions } from '../common/paste.js';

interface Options extends SquareOptions {
  region: 'eyes' | 'mouth';
}

/** Table 3's eye-occluded and mouth-occluded modes: a square centred on the region's landmark box. */
export default definePlugin<'occluder', Options>({
  kind: 'occluder',
  name: 'region',
  description: "A square (24 px at the paper's scale) centred on the eye region or the mouth region, from the sample's landmarks or region boxes.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['region'],
    properties: {
      region: { enum: ['eyes', 'mouth'] },
      ...squareSchema(24),
    },
  },
  resolveOptions: resolveSquare,
  create(o, ctx): Occluder {
    const side = squareSide(o, ctx.imageSize);
    return {
      title: `${o.region === 'eyes' ? 'eye' : 'mouth'} region (${side} px at ${ctx.imageSize} px)`,
      apply(sample, size, rng) {
        const box = sample.regions?.[o.region];
        if (!box) {
          throw new InputError(
            `the "region" occluder needs the ${o.region} region of each test image, and sample ${sample.id} has none. ` +
              'Use a dataset that provides landmarks or region boxes (ckplus with Landmarks/, affectnet, synthetic-faces), or give it "align": true (fer-run then finds the landmarks).',
          );
        }
        const cx = box.x + box.w / 2;
        const cy = box.y + box.h / 2;
        const x0 = Math.max(0, Math.min(size - side, Math.round(cx - side / 2)));
        const y0 = Math.max(0, Math.min(size - side, Math.round(cy - side / 2)));
        return fillSquare(sample.image, size, x0, y0, side, fillRule(o.fill, () => rng.next()));
      },
    };
  },
});
