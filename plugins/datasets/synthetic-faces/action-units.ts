import type { ExpressionClass, Rng } from '../../../framework/index.js';

/** The facial action units the renderer knows, as FACS numbers. */
export const ACTION_UNITS = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 20, 23, 26] as const;
export type ActionUnit = (typeof ACTION_UNITS)[number];

/** AU intensities in [0, 1]; `unilateral12` puts AU12 + AU14 on one side only (contempt). */
export interface Expression {
  au: Partial<Record<ActionUnit, number>>;
  unilateral: boolean;
  /** How far an AU of intensity 1 moves the face: 1 is the prototype's drawing, more is a stronger (posed) apex. */
  salience: number;
}

/** EMFACS prototypes (SYNTHETIC_FACES.md). Optional AUs carry a weight < 1. */
export const PROTOTYPES: Record<ExpressionClass, Partial<Record<ActionUnit, number>>> = {
  neutral: {},
  happy: { 6: 1, 12: 1 },
  sad: { 1: 1, 4: 1, 15: 1 },
  surprise: { 1: 1, 2: 1, 5: 1, 26: 1 },
  fear: { 1: 1, 2: 1, 4: 1, 5: 1, 7: 1, 20: 1, 26: 1 },
  disgust: { 9: 1, 15: 1, 16: 1, 10: 0.6 },
  anger: { 4: 1, 5: 1, 7: 1, 23: 1 },
  contempt: { 12: 1, 14: 1 },
};

/**
 * An expression of class `cls` at `intensity` (scaling every prototype AU, each jittered ±20%),
 * plus `noiseAUs` random action units at up to `noiseLevel`, so that classes overlap as real ones do;
 * `salience` scales how far every AU moves the drawing.
 */
export function sampleExpression(cls: ExpressionClass, intensity: number, noiseAUs: number, noiseLevel: number, salience: number, rng: Rng): Expression {
  const au: Partial<Record<ActionUnit, number>> = {};
  for (const [k, w] of Object.entries(PROTOTYPES[cls])) {
    au[Number(k) as ActionUnit] = Math.min(1, w! * intensity * rng.uniform(0.8, 1.2));
  }
  for (let i = 0; i < noiseAUs; i++) {
    const k = rng.pick(ACTION_UNITS);
    au[k] = Math.min(1, (au[k] ?? 0) + rng.uniform(0, noiseLevel));
  }
  return { au, unilateral: cls === 'contempt', salience };
}
