/** The framework's canonical label space, in the paper's order (C8; C7 drops contempt). */
export const CANONICAL_CLASSES = ['neutral', 'happy', 'sad', 'surprise', 'fear', 'disgust', 'anger', 'contempt'] as const;
export type ExpressionClass = (typeof CANONICAL_CLASSES)[number];
export const C7_CLASSES: readonly ExpressionClass[] = CANONICAL_CLASSES.slice(0, 7);

/**
 * Other spellings of the canonical classes in public FER folder layouts: FER2013's and its copies'
 * angry, fear, happy, …; RAF-DB's and AffectNet's class names (happiness, sadness); FED-RO's "neural".
 */
export const CLASS_SYNONYMS: Readonly<Record<string, ExpressionClass>> = {
  angry: 'anger',
  disgusted: 'disgust',
  fearful: 'fear',
  happiness: 'happy',
  sadness: 'sad',
  surprised: 'surprise',
  neural: 'neutral',
};

/** A class name (any case) as a canonical class: itself, or a common spelling of one; null otherwise. */
export function canonicalClass(name: string): ExpressionClass | null {
  const n = name.toLowerCase();
  return (CANONICAL_CLASSES as readonly string[]).includes(n) ? (n as ExpressionClass) : (CLASS_SYNONYMS[n] ?? null);
}
