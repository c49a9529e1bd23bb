import type { ExpressionClass } from '../../../framework/index.js';

/** RAF-DB basic codes (EmoLabel/list_patition_label.txt) → canonical classes. Some public code uses another order: map explicitly. */
export const RAFDB_CODES: Record<number, ExpressionClass> = {
  1: 'surprise',
  2: 'fear',
  3: 'disgust',
  4: 'happy',
  5: 'sad',
  6: 'anger',
  7: 'neutral',
};
