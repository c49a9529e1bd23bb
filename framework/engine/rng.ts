/**
 * The framework's seeded random number generator: xoshiro128** over four 32-bit words, seeded
 * through splitmix32. Every random choice of a run (initial weights, shuffles, occlusions,
 * synthetic faces) draws from an Rng derived from the manifest's seed and a path naming the use,
 * so adding a consumer never shifts the numbers another consumer sees. Its state is four numbers,
 * saved in checkpoints so a resumed run continues the same stream.
 */
export type RngState = [number, number, number, number];

/** FNV-1a hash of a string, mixed with a 32-bit seed. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seed for `path` under `seed`: the same pair always gives the same 32-bit seed. */
export function deriveSeed(seed: number, path: string): number {
  return hashString(path, Math.imul(seed >>> 0, 0x9e3779b1) >>> 0);
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s: Uint32Array;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    const sm = splitmix32(seed >>> 0);
    this.s = new Uint32Array([sm(), sm(), sm(), sm()]);
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.s.set(state);
    return r;
  }

  /** A child generator for a named use, independent of how much this one has been drawn from. */
  static derive(seed: number, path: string): Rng {
    return new Rng(deriveSeed(seed, path));
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fisher–Yates shuffle in place (tf.util.shuffle would use Math.random). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
