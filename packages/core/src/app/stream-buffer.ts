// Bounded per-direction buffer for reassembling a message split across TCP segments. Nothing is copied until a
// detector asks for more bytes; then the segments are appended up to a fixed cap. A segment identical to one
// already held (a retransmission) is not appended again.

/** Segment boundaries remembered for retransmission checks. */
const MAX_SEGMENTS = 16;

export class StreamBuffer {
  private buf: Uint8Array | null = null;
  private len = 0;
  /** Start offsets of the held segments (the end of each is the next start, or len). */
  private readonly starts: number[] = [];
  /** Bytes were dropped because the cap was reached. */
  full = false;

  constructor(private readonly cap: number) {}

  get pending(): boolean {
    return this.len > 0;
  }

  /** The bytes to inspect: `payload` itself when nothing is pending (no copy), else pending bytes + payload. */
  feed(payload: Uint8Array): Uint8Array {
    if (this.len === 0) return payload;
    if (!this.isRetransmission(this.buf as Uint8Array, payload)) this.append(payload);
    return (this.buf as Uint8Array).subarray(0, this.len);
  }

  /** Keeps `data` (the value returned by feed) for the next feed. */
  hold(data: Uint8Array): void {
    if (this.len === 0) this.append(data);
  }

  /** The pending bytes (empty when none). */
  bytes(): Uint8Array {
    return this.buf === null ? new Uint8Array(0) : this.buf.subarray(0, this.len);
  }

  clear(): void {
    this.buf = null;
    this.len = 0;
    this.starts.length = 0;
    this.full = false;
  }

  private isRetransmission(buf: Uint8Array, payload: Uint8Array): boolean {
    const n = payload.length;
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i];
      const e = i + 1 < this.starts.length ? this.starts[i + 1] : this.len;
      if (e - s !== n) continue;
      let same = true;
      for (let k = 0; k < n && same; k++) same = buf[s + k] === payload[k];
      if (same) return true;
    }
    return false;
  }

  private append(data: Uint8Array): void {
    const want = Math.min(this.cap, this.len + data.length);
    if (this.buf === null || this.buf.length < want) {
      let size = this.buf === null ? 2048 : this.buf.length * 2;
      while (size < want) size *= 2;
      const next = new Uint8Array(Math.min(size, this.cap));
      if (this.buf !== null) next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    const take = want - this.len;
    if (take < data.length) this.full = true;
    if (take === 0) return;
    if (this.starts.length < MAX_SEGMENTS) this.starts.push(this.len);
    this.buf.set(take === data.length ? data : data.subarray(0, take), this.len);
    this.len = want;
  }
}
