/**
 * pcapng timestamps: a 64-bit count of interface units (if_tsresol) since 1970 plus if_tsoffset
 * seconds. The count can exceed 2^53, so the high word's contribution is computed exactly with
 * BigInt, once per change of the high word (every ~71 minutes at microseconds, ~4 s at
 * nanoseconds), and the per-packet work stays in plain numbers.
 */
export class UnitClock {
  readonly unitsPerSecond: number;
  private readonly unitsBig: bigint;
  private readonly exact: boolean;
  private lastHigh = -1;
  private baseSec = 0;
  private baseRem = 0;
  /** Results of the last `set`. */
  sec = 0;
  nsec = 0;

  constructor(
    /** Raw if_tsresol byte: bit 7 clear = 10^-n, set = 2^-n. */
    tsresol: number,
    private readonly offsetSec: number,
  ) {
    const n = tsresol & 0x7f;
    this.unitsPerSecond = tsresol & 0x80 ? 2 ** n : 10 ** n;
    this.unitsBig = tsresol & 0x80 ? 1n << BigInt(n) : 10n ** BigInt(n);
    // Plain numbers stay exact while remainder + 2^32 fits in 2^53.
    this.exact = this.unitsPerSecond <= 2 ** 52;
  }

  set(high: number, low: number): void {
    const units = this.unitsPerSecond;
    if (!this.exact) {
      const t = (BigInt(high) << 32n) | BigInt(low);
      this.sec = Number(t / this.unitsBig) + this.offsetSec;
      this.nsec = Math.floor((Number(t % this.unitsBig) / units) * 1e9);
      return;
    }
    if (high !== this.lastHigh) {
      const base = BigInt(high) << 32n;
      this.baseSec = Number(base / this.unitsBig);
      this.baseRem = Number(base % this.unitsBig);
      this.lastHigh = high;
    }
    const t = this.baseRem + low;
    const whole = Math.floor(t / units);
    const frac = t - whole * units;
    this.sec = this.baseSec + whole + this.offsetSec;
    if (units === 1e9) this.nsec = frac;
    else if (units < 1e9 && 1e9 % units === 0) this.nsec = frac * (1e9 / units);
    else this.nsec = Math.min(999_999_999, Math.floor((frac / units) * 1e9));
  }
}
