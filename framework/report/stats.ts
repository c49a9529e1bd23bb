/** Small statistics for reports: mean ± std over seeds and paired significance tests. */

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Exact two-sided McNemar test: of the n = b + c discordant pairs (one model right, the other
 * wrong), b favour A. Under H0 b ~ Binomial(n, 1/2); p = min(1, 2·P(B ≤ min(b, c))).
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const logFact = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) logFact[i] = logFact[i - 1] + Math.log(i);
  let tail = 0;
  for (let i = 0; i <= Math.min(b, c); i++) tail += Math.exp(logFact[n] - logFact[i] - logFact[n - i] - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** Counts of discordant pairs between two per-image correctness strings ('1' correct). */
export function discordant(a: string, b: string): { aOnly: number; bOnly: number } {
  let aOnly = 0;
  let bOnly = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === '1' && b[i] === '0') aOnly++;
    else if (a[i] === '0' && b[i] === '1') bOnly++;
  }
  return { aOnly, bOnly };
}
