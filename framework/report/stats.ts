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

/** ln Γ(x), Lanczos approximation (g = 7, 9 terms; ~1e-15 relative for x > 0). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (logGamma(a) + logGamma(b) - logGamma(a + b))) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = i >> 1;
    const num = i === 0 ? 1 : i % 2 === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-14) break;
  }
  return front * (f - 1);
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSided(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Paired t-test over seeds: `diffs` are one model's accuracy minus the other's, seed by seed (the
 * same test images and occlusions per seed). p is null below two seeds, and 0 or 1 when every
 * difference is the same (no spread: the test is undefined, and says so with t = ±∞ or 0).
 */
export function pairedT(diffs: readonly number[]): { mean: number; std: number; n: number; t: number; p: number | null } {
  const n = diffs.length;
  const m = n ? mean(diffs) : 0;
  const s = std(diffs);
  if (n < 2) return { mean: m, std: s, n, t: NaN, p: null };
  if (s === 0) return { mean: m, std: 0, n, t: m === 0 ? 0 : Math.sign(m) * Infinity, p: m === 0 ? 1 : 0 };
  const t = m / (s / Math.sqrt(n));
  return { mean: m, std: s, n, t, p: studentTwoSided(t, n - 1) };
}

/** The q-quantile of Student's t with `df` degrees of freedom, for q in [0.5, 1), by bisection on the two-sided p-value. */
export function studentQuantile(q: number, df: number): number {
  const target = 2 * (1 - q);
  let lo = 0;
  let hi = 1;
  while (studentTwoSided(hi, df) > target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, df) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The smallest mean difference a two-sided paired t-test over `n` seeds detects with the given
 * power at level `alpha`, when the per-seed differences spread with standard deviation `std`:
 * (t_{1−α/2, n−1} + t_{power, n−1}) · std / √n (the usual noncentral-t approximation). Null below two seeds.
 */
export function detectableDifference(std: number, n: number, alpha = 0.05, power = 0.8): number | null {
  if (n < 2) return null;
  return (studentQuantile(1 - alpha / 2, n - 1) + studentQuantile(power, n - 1)) * (std / Math.sqrt(n));
}
