// Small byte helpers shared by the writers and builders.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Concatenates byte arrays into one new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** An append-only byte buffer that doubles its capacity as needed. */
export class GrowableBuffer {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Makes room for `n` more bytes and returns the underlying array and the offset to write at. */
  reserve(n: number): { buf: Uint8Array; offset: number } {
    const need = this.length + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    return { buf: this.buf, offset: this.length };
  }

  append(bytes: Uint8Array): void {
    const { buf, offset } = this.reserve(bytes.length);
    buf.set(bytes, offset);
    this.length += bytes.length;
  }

  /** The bytes written so far (a copy trimmed to length). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Buffered synchronous file output: collects writes in a fixed chunk and flushes it with one
 * `writeSync` when full. `close()` flushes and closes the file.
 */
export class FileSink {
  private readonly fd: number;
  private readonly chunk: Uint8Array;
  private used = 0;
  bytesWritten = 0;

  constructor(path: string, chunkBytes = 4 * 1024 * 1024) {
    this.fd = openSync(path, 'w');
    this.chunk = new Uint8Array(chunkBytes);
  }

  /** Returns a region of at least `n` writable bytes; call `commit(n)` after filling it. */
  reserve(n: number): { buf: Uint8Array; offset: number } | null {
    if (this.used + n > this.chunk.length) this.flush();
    if (n > this.chunk.length) return null;
    return { buf: this.chunk, offset: this.used };
  }

  commit(n: number): void {
    this.used += n;
    this.bytesWritten += n;
  }

  write(bytes: Uint8Array): void {
    const r = this.reserve(bytes.length);
    if (r) {
      r.buf.set(bytes, r.offset);
      this.commit(bytes.length);
    } else {
      this.flush();
      writeAll(this.fd, bytes);
      this.bytesWritten += bytes.length;
    }
  }

  flush(): void {
    if (this.used > 0) writeAll(this.fd, this.chunk.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** A DataView over the whole of `u8` (cached per underlying array by callers that care). */
export function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

// Allocating a typed array bigger than V8's on-heap limit (64 bytes) costs ~0.6 us, which dominates
// when building millions of packets; like Node's Buffer pool, medium sizes are carved out of a
// shared, never-reused (so zero-filled) slab instead.
const SLAB_SIZE = 256 * 1024;
const POOL_MAX = 8 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * A zero-filled byte array of length n. It may be a view into a shared ArrayBuffer: use its
 * byteOffset/byteLength (as `viewOf` does), never `.buffer` alone.
 */
export function allocBytes(n: number): Uint8Array {
  if (n <= 64 || n > POOL_MAX) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab.buffer, slabUsed, n);
  slabUsed += (n + 7) & ~7;
  return out;
}
