import { C7_CLASSES, CANONICAL_CLASSES, deriveSeed, Rng } from '../../../framework/index.js';
import type { ExpressionClass, Sample } from '../../../framework/index.js';
import { sampleExpression } from './action-units.js';
import { identityOf } from './identity.js';
import { PRESETS, type Preset } from './presets.js';
import { FaceRenderer } from './render.js';

/** Bumped whenever the drawing changes, so disk caches of older faces are not reused. */
export const GENERATOR_VERSION = 9;

export interface GeneratorOptions {
  preset: 'lab' | 'wild';
  seed: number;
  classes: 'C7' | 'C8';
}

/**
 * The synthetic face generator: sample `index` of `split` is a pure function of
 * (preset, seed, split, index, size), drawn from its own derived random stream.
 */
export class SyntheticFaces {
  readonly preset: Preset;
  readonly classes: readonly ExpressionClass[];
  private readonly presetSeed: number;
  private readonly cumulative: number[];
  private readonly renderers = new Map<number, FaceRenderer>();
  private readonly splitSubjects: Record<'train' | 'test', number[]>;

  constructor(readonly options: GeneratorOptions) {
    this.preset = PRESETS[options.preset];
    this.classes = options.classes === 'C8' ? CANONICAL_CLASSES : C7_CLASSES;
    this.presetSeed = deriveSeed(options.seed, `synthetic-faces/${options.preset}`);
    const weights = this.classes.map((c) => this.preset.prior[c] ?? 0);
    const total = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / total));
    const assign = Rng.derive(this.presetSeed, 'subject-split');
    this.splitSubjects = { train: [], test: [] };
    for (let s = 0; s < this.preset.subjects; s++) {
      (assign.next() < this.preset.testSubjectFraction ? this.splitSubjects.test : this.splitSubjects.train).push(s);
    }
  }

  private renderer(size: number): FaceRenderer {
    let r = this.renderers.get(size);
    if (!r) this.renderers.set(size, (r = new FaceRenderer(size)));
    return r;
  }

  sample(split: 'train' | 'test', index: number, size: number): Sample {
    const rng = Rng.derive(this.presetSeed, `${split}/${index}`);
    const subject = rng.pick(this.splitSubjects[split]);
    const u = rng.next();
    const label = Math.max(0, this.cumulative.findIndex((c) => u < c));
    const p = this.preset;
    const expression = sampleExpression(this.classes[label], rng.uniform(p.intensity[0], p.intensity[1]), p.noiseAUs, p.noiseLevel, p.salience, rng);
    const nuisance = p.nuisance(rng);
    const { image, regions } = this.renderer(size).render(identityOf(this.presetSeed, subject), expression, nuisance, rng);
    return { id: `${this.options.preset}/${split}/${index}`, image, label, subject: `s${subject}`, regions };
  }
}
