/**
 * Buffers handed out and given back, so that a capture read at full speed does not allocate a
 * fresh 1 MiB buffer per segment. Every fresh buffer is memory V8 counts against its external
 * limit: a gigabyte of them per gigabyte of capture started a full collection every ~64 MB (16 of
 * the 20 of the embedded pipeline on the benchmark capture) and a young collection every ~32 MB.
 *
 * Only a buffer this pool made is taken back, once, and only by its owner's say-so: whoever gives
 * a buffer back promises that nothing reads it any more (the in-process transport does so for a
 * segment once every consumer committed past it).
 */
export class BufferPool {
  readonly #free = new Map<number, Buffer[]>();
  /** Buffers this pool made (by their memory), and which of them are free now. */
  readonly #made = new WeakSet<ArrayBufferLike>();
  readonly #idle = new WeakSet<ArrayBufferLike>();

  /** @param maxIdle Most free buffers kept per size; more given back are left to the collector. */
  constructor(readonly maxIdle = 16) {}

  /** A buffer of `size` bytes (contents undefined): a free one, else a new one. */
  take(size: number): Buffer {
    const reused = this.#free.get(size)?.pop();
    if (reused !== undefined) {
      this.#idle.delete(reused.buffer);
      return reused;
    }
    const made = Buffer.allocUnsafeSlow(size);
    this.#made.add(made.buffer);
    return made;
  }

  /**
   * Takes back the buffer under `view` (any view of a buffer from take()); anything else is
   * ignored, as is a buffer already given back.
   */
  give(view: Uint8Array): void {
    const memory = view.buffer;
    if (!this.#made.has(memory) || this.#idle.has(memory)) return;
    const size = memory.byteLength;
    let free = this.#free.get(size);
    if (free === undefined) {
      free = [];
      this.#free.set(size, free);
    }
    if (free.length >= this.maxIdle) return;
    this.#idle.add(memory);
    free.push(Buffer.from(memory, 0, size));
  }

  /** Free buffers held now (for tests). */
  get idle(): number {
    let n = 0;
    for (const free of this.#free.values()) n += free.length;
    return n;
  }
}
