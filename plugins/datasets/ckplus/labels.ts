import type { ExpressionClass } from '../../../framework/index.js';

/** CK+ emotion codes (Emotion/…_emotion.txt) → canonical classes. */
export const CKPLUS_CODES: Record<number, ExpressionClass> = {
  0: 'neutral',
  1: 'anger',
  2: 'contempt',
  3: 'disgust',
  4: 'fear',
  5: 'happy',
  6: 'sad',
  7: 'surprise',
};
