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
 * Float32 values as unsigned integers in the same order (negative values bit-flipped, positive
 * ones with the sign bit set), so that an integer radix sort orders them; −0 is keyed as 0, which
 * it equals.
 */
function orderedKeys(values: Float32Array): Uint32Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const keys = new Uint32Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] === 0x80000000 ? 0 : bits[i];
    keys[i] = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
  }
  return keys;
}

/** Ascending LSD radix sort of 32-bit keys, 11 bits a pass. */
function radixSort(keys: Uint32Array): Uint32Array {
  let a: Uint32Array = keys;
  let b: Uint32Array = new Uint32Array(keys.length);
  const counts = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < a.length; i++) counts[(a[i] >>> shift) & 2047]++;
    for (let d = 0, sum = 0; d < 2048; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < a.length; i++) b[counts[(a[i] >>> shift) & 2047]++] = a[i];
    [a, b] = [b, a];
  }
  return a;
}

/**
 * Area under the ROC curve of scores against {0,1} labels: the Mann–Whitney probability that a
 * positive scores above a negative, ties counted half. Null when one class is absent.
 * Scores are compared at float32 precision, the precision every backend computes φ's masks in.
 * (φ's masks give two million pixels per evaluation: the two classes' scores are radix-sorted as
 * order-preserving integer keys and merged; a comparator sort of indices took a second, a
 * Float64Array sort a quarter of one.)
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const posScores = new Float32Array(nPos);
  const negScores = new Float32Array(nNeg);
  for (let i = 0, p = 0, q = 0; i < n; i++) labels[i] > 0 ? (posScores[p++] = scores[i]) : (negScores[q++] = scores[i]);
  const pos = radixSort(orderedKeys(posScores));
  const neg = radixSort(orderedKeys(negScores));
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
