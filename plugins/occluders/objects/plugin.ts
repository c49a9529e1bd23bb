import { definePlugin } from '../../../framework/index.js';
import type { Occluder } from '../../../framework/index.js';
import { pasteSprite } from '../common/paste.js';
import { loadPngTemplates, renderBank } from '../common/sprite-bank.js';
import { OBJECT_TEMPLATES } from '../common/sprites.js';

interface Options {
  categories: ('food' | 'hands' | 'drinks')[];
  variants: number;
  minFraction: number;
  maxFraction: number;
  templates: string | null;
}

/**
 * The paper's synthetic occluders (sec. 4.1): food, hands and drinks at a random location, width and
 * height each uniform in [1/3.75, 1/2] of the image side, kept on the image.
 */
export default definePlugin<'occluder', Options>({
  kind: 'occluder',
  name: 'objects',
  description: 'Food, hands and drinks drawn by fer-run (or your RGBA PNG templates); each side 1/3.75–1/2 of the image, random location.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      categories: { type: 'array', items: { enum: ['food', 'hands', 'drinks'] }, minItems: 1, uniqueItems: true, default: ['food', 'hands', 'drinks'] },
      variants: { type: 'integer', minimum: 1, maximum: 64, default: 6, description: 'colour/rotation variants rendered per template' },
      minFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.26666666666666666, description: 'smallest side as a fraction of the image (1/3.75)' },
      maxFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'largest side as a fraction of the image (1/2)' },
      templates: { type: ['string', 'null'], default: null, description: 'directory of RGBA PNG templates to use instead of the drawn ones' },
    },
  },
  async create(o, ctx): Promise<Occluder> {
    const bank = o.templates
      ? await loadPngTemplates(o.templates)
      : o.categories.flatMap((c) => renderBank(OBJECT_TEMPLATES[c], o.variants, ctx.seed(`objects/${c}`), 0.6));
    return {
      title: `synthetic objects (${o.templates ? 'user templates' : o.categories.join(', ')})`,
      apply(sample, size, rng) {
        const { sprite } = rng.pick(bank);
        const w = Math.max(1, Math.round(size * rng.uniform(o.minFraction, o.maxFraction)));
        const h = Math.max(1, Math.round(size * rng.uniform(o.minFraction, o.maxFraction)));
        const x0 = rng.int(size - w + 1);
        const y0 = rng.int(size - h + 1);
        const t = rng.uniform(0.8, 1.15);
        return pasteSprite(sample.image, size, sprite, x0, y0, w, h, [t, t, t]);
      },
    };
  },
});
