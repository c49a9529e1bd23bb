import type { ExpressionClass } from '../../../framework/index.js';

/** AffectNet expression codes → canonical classes; 8 None, 9 Uncertain, 10 No-Face are dropped (null). */
export const AFFECTNET_CODES: Record<number, ExpressionClass | null> = {
  0: 'neutral',
  1: 'happy',
  2: 'sad',
  3: 'surprise',
  4: 'fear',
  5: 'disgust',
  6: 'anger',
  7: 'contempt',
  8: null,
  9: null,
  10: null,
};
