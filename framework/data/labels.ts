/** The framework's canonical label space, in the paper's order (C8; C7 drops contempt). */
export const CANONICAL_CLASSES = ['neutral', 'happy', 'sad', 'surprise', 'fear', 'disgust', 'anger', 'contempt'] as const;
export type ExpressionClass = (typeof CANONICAL_CLASSES)[number];
export const C7_CLASSES: readonly ExpressionClass[] = CANONICAL_CLASSES.slice(0, 7);
