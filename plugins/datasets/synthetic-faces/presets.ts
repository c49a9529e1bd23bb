import type { ExpressionClass, Rng } from '../../../framework/index.js';
import type { Nuisance } from './render.js';

/** A domain of synthetic faces: its own seed space, subjects, intensities, nuisances, class prior. */
export interface Preset {
  title: string;
  subjects: number;
  testSubjectFraction: number;
  intensity: [number, number];
  noiseAUs: number;
  noiseLevel: number;
  /** Drawing gain of every AU (Expression.salience). */
  salience: number;
  prior: Partial<Record<ExpressionClass, number>>;
  nuisance(rng: Rng): Nuisance;
}

export const PRESETS: Record<'lab' | 'wild', Preset> = {
  // CK+-like: frontal, plain background, even light, posed (high-intensity) expressions, few subjects.
  lab: {
    title: 'lab (CK+-like)',
    subjects: 120,
    testSubjectFraction: 0.25,
    intensity: [0.8, 1],
    noiseAUs: 1,
    noiseLevel: 0.2,
    salience: 1.6,
    prior: { neutral: 1, happy: 1, sad: 1, surprise: 1, fear: 1, disgust: 1, anger: 1, contempt: 1 },
    nuisance: (r) => ({
      roll: r.uniform(-0.05, 0.05),
      yaw: r.uniform(-0.15, 0.15),
      scale: r.uniform(1.12, 1.2),
      tx: r.uniform(-0.02, 0.02),
      ty: r.uniform(-0.02, 0.02),
      light: r.uniform(0, 0.08),
      lightAngle: r.uniform(0, Math.PI * 2),
      background: 'flat',
      blur: 0,
      noise: 2,
    }),
  },
  // RAF-DB/AffectNet-like: pose, light, clutter, weaker and noisier expressions than lab, RAF-DB's class imbalance.
  wild: {
    title: 'wild (RAF-DB/AffectNet-like)',
    subjects: 3000,
    testSubjectFraction: 0.2,
    intensity: [0.7, 1],
    noiseAUs: 1,
    noiseLevel: 0.25,
    salience: 1,
    prior: { neutral: 0.206, happy: 0.389, sad: 0.162, surprise: 0.105, fear: 0.023, disgust: 0.058, anger: 0.057, contempt: 0.03 },
    nuisance: (r) => ({
      roll: r.uniform(-0.2, 0.2),
      yaw: r.uniform(-0.5, 0.5),
      scale: r.uniform(1.1, 1.2),
      tx: r.uniform(-0.05, 0.05),
      ty: r.uniform(-0.05, 0.05),
      light: r.uniform(0, 0.3),
      lightAngle: r.uniform(0, Math.PI * 2),
      background: 'clutter',
      blur: r.next() < 0.25 ? r.uniform(0.3, 0.8) : 0,
      noise: r.uniform(0, 6),
    }),
  },
};
