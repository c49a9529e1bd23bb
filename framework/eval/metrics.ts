/** Classification and mask-quality metrics. Pure functions over plain arrays, unit-tested by hand. */

export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predictions[i]]++;
  return m;
}

/** Per-class recall (the diagonal over the row sums); NaN-free: classes without samples get null. */
export function perClassAccuracy(confusion: number[][]): (number | null)[] {
  return confusion.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? null : row[i] / n;
  });
}

/** Intersection over union of two {0,1} masks (predictions thresholded by the caller). */
export function iou(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] > 0;
    const t = truth[i] > 0;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Area under the ROC curve of scores against {0,1} labels: the Mann–Whitney probability that a
 * positive scores above a negative, ties counted half. Null when one class is absent.
 * (The two classes' scores are sorted as typed arrays and merged: φ's masks give a million pixels
 * per evaluation, where a comparator sort of indices took a second.)
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  for (let i = 0, p = 0, q = 0; i < n; i++) labels[i] > 0 ? (pos[p++] = scores[i]) : (neg[q++] = scores[i]);
  pos.sort();
  neg.sort();
  // For each positive, the negatives below it count 1 and those equal to it count 1/2.
  let below = 0;
  let upTo = 0;
  let wins = 0;
  for (let i = 0; i < nPos; i++) {
    const s = pos[i];
    while (below < nNeg && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < nNeg && neg[upTo] <= s) upTo++;
    wins += below + (upTo - below) / 2;
  }
  return wins / (nPos * nNeg);
}
