import { definePlugin } from '../../../framework/index.js';
import type { Box, Occluder } from '../../../framework/index.js';
import { pasteSprite } from '../common/paste.js';
import { renderBank } from '../common/sprite-bank.js';
import { NATURAL_TEMPLATES, type NaturalTemplate } from '../common/sprites.js';

type Kind = keyof typeof NATURAL_TEMPLATES;
interface Options {
  kinds: Kind[];
  variants: number;
}

/** Where the eyes and mouth are when the sample does not say: a centred, frontal face. */
function regionsOf(regions: { eyes?: Box; mouth?: Box } | undefined, size: number): { eyes: Box; mouth: Box } {
  return {
    eyes: regions?.eyes ?? { x: size * 0.2, y: size * 0.3, w: size * 0.6, h: size * 0.18 },
    mouth: regions?.mouth ?? { x: size * 0.3, y: size * 0.62, w: size * 0.4, h: size * 0.18 },
  };
}

/** The placement box of a natural occluder, from the face's regions, with a little jitter. */
function placement(anchor: NaturalTemplate['anchor'], eyes: Box, mouth: Box, size: number, j: () => number): Box {
  switch (anchor) {
    case 'eyes':
      return { x: eyes.x - eyes.w * 0.08, y: eyes.y + eyes.h * 0.05, w: eyes.w * 1.16, h: eyes.h * 1.1 };
    case 'mouth':
      return { x: mouth.x - mouth.w * 0.3 + j() * mouth.w * 0.2, y: mouth.y - mouth.h * 0.3, w: mouth.w * 1.6, h: mouth.h * 1.5 };
    case 'lower-face': {
      const top = (eyes.y + eyes.h + mouth.y) / 2;
      return { x: mouth.x - mouth.w * 0.55, y: top, w: mouth.w * 2.1, h: Math.min(size, mouth.y + mouth.h * 1.8) - top };
    }
    case 'forehead-eye': {
      const left = j() < 0.5;
      return { x: left ? eyes.x - eyes.w * 0.1 : eyes.x + eyes.w * 0.45, y: Math.max(0, eyes.y - eyes.h * 2), w: eyes.w * 0.65, h: eyes.h * 3.2 };
    }
    case 'mouth-side':
      return { x: mouth.x + (j() < 0.5 ? -mouth.w * 0.6 : mouth.w * 0.7), y: mouth.y - mouth.h * 0.2, w: mouth.w * 0.9, h: mouth.h * 2.6 };
  }
}

/**
 * Realistic occluders of a family never used in training (sunglasses, medical masks, a hand over
 * the mouth, scarves, hair, microphones), placed where they occur in life: the synthetic stand-in
 * for FED-RO and the realistic-occlusion subsets.
 */
export default definePlugin<'occluder', Options>({
  kind: 'occluder',
  name: 'natural',
  description: 'Realistic occluders placed where they occur (sunglasses on the eyes, masks and scarves on the lower face, hands over the mouth, hair, microphones).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kinds: { type: 'array', items: { enum: Object.keys(NATURAL_TEMPLATES) }, minItems: 1, uniqueItems: true, default: Object.keys(NATURAL_TEMPLATES) },
      variants: { type: 'integer', minimum: 1, maximum: 64, default: 6, description: 'colour variants rendered per kind' },
    },
  },
  create(o, ctx): Occluder {
    const bank = o.kinds.flatMap((k) =>
      renderBank({ [k]: NATURAL_TEMPLATES[k].draw }, o.variants, ctx.seed(`natural/${k}`), 0).map((b) => ({ ...b, anchor: NATURAL_TEMPLATES[k].anchor })),
    );
    return {
      title: `natural occluders (${o.kinds.join(', ')})`,
      apply(sample, size, rng) {
        const { sprite, anchor } = rng.pick(bank);
        const { eyes, mouth } = regionsOf(sample.regions, size);
        const b = placement(anchor, eyes, mouth, size, () => rng.next());
        const w = Math.max(1, Math.round(b.w));
        const h = Math.max(1, Math.round(b.h));
        const x0 = Math.max(0, Math.min(size - w, Math.round(b.x)));
        const y0 = Math.max(0, Math.min(size - h, Math.round(b.y)));
        return pasteSprite(sample.image, size, sprite, x0, y0, w, h);
      },
    };
  },
});
