// A small seeded PRNG for the benchmark capture generator: the same seed gives the same capture, byte for
// byte, on any machine (only 32-bit integer arithmetic decides the stream).

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state; passes PractRand). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = Number.NaN;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        return u * m;
      }
    }
  }

  /** Log-normal with the given median and shape, clamped to [lo, hi]. */
  logNormal(median: number, sigma: number, lo: number, hi: number): number {
    const x = median * Math.exp(sigma * this.normal());
    return Math.min(Math.max(x, lo), hi);
  }

  /** A skewed index in [0, n): index 0 is the most popular (P(index < x) = (x/n)^(1/k)). */
  skewed(n: number, k: number): number {
    return Math.min(n - 1, Math.floor(n * this.next() ** k));
  }

  /** Fills b[off, off+len) with random bytes. */
  fill(b: Uint8Array, off = 0, len = b.length - off): void {
    let i = off;
    const end = off + len;
    while (i + 4 <= end) {
      const x = this.u32();
      b[i] = x & 0xff;
      b[i + 1] = (x >>> 8) & 0xff;
      b[i + 2] = (x >>> 16) & 0xff;
      b[i + 3] = x >>> 24;
      i += 4;
    }
    while (i < end) b[i++] = this.u32() & 0xff;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.fill(b);
    return b;
  }
}
