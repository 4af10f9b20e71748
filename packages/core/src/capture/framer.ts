import { CaptureError } from '../errors.ts';

/**
 * A container format seen as a sequence of self-delimiting units (a file header, records, blocks).
 * The framer feeds it whole units, wherever the chunk boundaries fall.
 */
export interface UnitFormat {
  /** Bytes a unit needs before `unitLength` can answer. May change after a unit (pcap: 24, then 16). */
  readonly headerBytes: number;
  /** Length of the unit at `off`; at least `headerBytes` are readable. Throws CaptureError if impossible. */
  unitLength(buf: Uint8Array, view: DataView, off: number, absOffset: number): number;
  /** One whole unit at buf[off, off + len). */
  unit(buf: Uint8Array, view: DataView, off: number, len: number, absOffset: number): void;
  /**
   * Optional fast path: takes as many whole units of buf[off, end) as it can in one loop and
   * returns the offset after them (`off` itself when it takes none). It stops at a unit it leaves
   * to unitLength and unit (one that is cut by `end`, or one they would refuse), so errors and
   * straddling units stay theirs. `base` is the absolute offset of buf[0].
   */
  units?(buf: Uint8Array, view: DataView, off: number, end: number, base: number): number;
}

/**
 * Cuts a byte stream into units without copying them: units that lie inside a chunk are handed
 * out as views of it; only a unit straddling two chunks is assembled in a scratch buffer.
 */
export class Framer {
  private pending = new Uint8Array(64 * 1024);
  private pendingView = new DataView(this.pending.buffer);
  private pendingLen = 0;
  private pendingUnitLen = -1;
  private pendingAbs = 0;
  /** Bytes taken in so far. */
  consumed = 0;

  constructor(private readonly format: UnitFormat) {}

  push(chunk: Uint8Array): void {
    // Node's Buffer.subarray is several times slower than a plain Uint8Array's, and a record's
    // `data` (when a caller asks) is a subarray: view Buffers as plain arrays once per chunk.
    if (chunk.constructor !== Uint8Array)
      chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let off = 0;
    if (this.pendingLen > 0) {
      off = this.fillPending(chunk);
      if (this.pendingLen > 0) {
        this.consumed += chunk.length;
        return;
      }
    }
    const fmt = this.format;
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = chunk.length;
    const base = this.consumed;
    let len = -1;
    for (;;) {
      if (fmt.units !== undefined) off = fmt.units(chunk, view, off, end, base);
      if (end - off < fmt.headerBytes) break;
      len = fmt.unitLength(chunk, view, off, base + off);
      if (end - off < len) break;
      fmt.unit(chunk, view, off, len, base + off);
      off += len;
      len = -1;
    }
    if (off < end) {
      this.pendingAbs = base + off;
      this.pendingUnitLen = len;
      this.append(chunk, off, end);
    }
    this.consumed += chunk.length;
  }

  /** Bytes held back as the start of an unfinished unit. */
  get pendingBytes(): number {
    return this.pendingLen;
  }

  get pendingOffset(): number {
    return this.pendingAbs;
  }

  /** Expected length of the unfinished unit, or -1 when its header is incomplete. */
  get pendingUnitLength(): number {
    return this.pendingUnitLen;
  }

  /** Completes the straddling unit from the front of `chunk`; returns how much of `chunk` it used. */
  private fillPending(chunk: Uint8Array): number {
    const fmt = this.format;
    let off = 0;
    const hb = fmt.headerBytes;
    if (this.pendingLen < hb) {
      const take = Math.min(hb - this.pendingLen, chunk.length);
      this.append(chunk, 0, take);
      off = take;
      if (this.pendingLen < hb) return off;
    }
    if (this.pendingUnitLen < 0) {
      this.pendingUnitLen = fmt.unitLength(this.pending, this.pendingView, 0, this.pendingAbs);
    }
    const len = this.pendingUnitLen;
    const take = Math.min(len - this.pendingLen, chunk.length - off);
    if (take > 0) this.append(chunk, off, off + take);
    off += Math.max(take, 0);
    if (this.pendingLen < len) return off;
    this.pendingLen = 0;
    this.pendingUnitLen = -1;
    fmt.unit(this.pending, this.pendingView, 0, len, this.pendingAbs);
    return off;
  }

  private append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const need = this.pendingLen + n;
    if (need > this.pending.length) {
      const grown = new Uint8Array(Math.max(need, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
      this.pendingView = new DataView(grown.buffer);
    }
    this.pending.set(src.subarray(from, to), this.pendingLen);
    this.pendingLen = need;
  }
}

export function truncatedError(framer: Framer, what: string): CaptureError {
  const have = framer.pendingBytes;
  const want = framer.pendingUnitLength;
  const detail = want > 0 ? `${have} of ${want} bytes` : `${have} bytes of its header`;
  return new CaptureError(
    'TRUNCATED',
    framer.pendingOffset,
    `capture ends inside ${what} (${detail} present)`,
  );
}
