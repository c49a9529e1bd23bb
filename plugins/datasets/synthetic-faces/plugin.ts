import { join } from 'node:path';
import { cachedSource, definePlugin, hashString, InputError } from '../../../framework/index.js';
import type { Dataset } from '../../../framework/index.js';
import { GENERATOR_VERSION, SyntheticFaces, type GeneratorOptions } from './generator.js';

interface Options extends GeneratorOptions {
  train: number;
  test: number;
}

/** FACS-driven synthetic faces (SYNTHETIC_FACES.md): the embedded default dataset. */
export default definePlugin<'dataset', Options>({
  kind: 'dataset',
  name: 'synthetic-faces',
  description: 'Procedurally drawn faces: identity × EMFACS action units × nuisance; presets lab (CK+-like) and wild (RAF-DB-like). Subject-disjoint train/test.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      preset: { enum: ['lab', 'wild'], default: 'wild', description: 'domain: lab (CK+-like) or wild (RAF-DB/AffectNet-like)' },
      seed: { type: 'integer', minimum: 0, default: 0, description: "the dataset's own seed space (not the run seed: the data stay fixed across seeds)" },
      classes: { enum: ['C7', 'C8'], default: 'C7', description: 'C7 drops contempt' },
      train: { type: 'integer', minimum: 1, maximum: 1000000, default: 2000, description: 'training images' },
      test: { type: 'integer', minimum: 1, maximum: 1000000, default: 500, description: 'test images' },
    },
  },
  create(o, ctx): Dataset {
    const gen = new SyntheticFaces({ preset: o.preset, seed: o.seed, classes: o.classes });
    return {
      title: `synthetic faces, ${gen.preset.title}`,
      synthetic: true,
      classes: gen.classes,
      splits: ['train', 'test'],
      async open(split, size) {
        if (split !== 'train' && split !== 'test') throw new InputError(`synthetic-faces has splits "train" and "test", not "${split}".`);
        const count = split === 'train' ? o.train : o.test;
        const key = `synthetic-v${GENERATOR_VERSION}-${o.preset}-${o.seed}-${o.classes}-${split}-${count}-${size}-${hashString(JSON.stringify(o)).toString(16)}`;
        return cachedSource({
          cacheDir: join(ctx.cacheDir, 'synthetic-faces'),
          key,
          size,
          count,
          produce: (i) => {
            const s = gen.sample(split, i, size);
            return { image: s.image, record: { id: s.id, label: s.label, subject: s.subject, regions: s.regions } };
          },
        });
      },
    };
  },
});
