const FLUSH_BYTES = 1 << 16;

/**
 * Buffered stdout that respects backpressure: callers check `full` and await `drained()` between
 * input chunks, so memory stays bounded when the reader of our output is slow.
 */
export class Output {
  /** Lines encoded straight into a buffer (joining strings first and encoding them after cost twice). */
  private buf = Buffer.allocUnsafeSlow(FLUSH_BYTES + 4096);
  /** Bytes of `buf` waiting to be written. */
  size = 0;
  private waiting: Promise<void> | null = null;
  closed = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // The reader went away (`| head`): stop writing, quietly.
      if (e.code === 'EPIPE') this.closed = true;
      else throw e;
    });
  }

  line(s: string): void {
    if (this.closed) return;
    // At most 3 bytes per UTF-16 unit, and the newline.
    if (this.size + s.length * 3 + 1 > this.buf.length) {
      this.flush();
      if (s.length * 3 + 1 > this.buf.length) this.buf = Buffer.allocUnsafeSlow(s.length * 3 + 1);
    }
    this.size += this.buf.write(s, this.size);
    this.buf[this.size++] = 10;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  /**
   * Room for `n` more bytes: write them into the returned buffer from `size`, then `commit` the
   * new size. For lines encoded by hand, which skip the string.
   */
  room(n: number): Buffer {
    if (this.closed) this.size = 0;
    if (this.size + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafeSlow(n);
    }
    return this.buf;
  }

  commit(size: number): void {
    if (this.closed) return;
    this.size = size;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.size === 0 || this.closed) return;
    // The stream keeps what it was given until written: the next lines go to a new buffer.
    const ok = this.stream.write(this.buf.subarray(0, this.size));
    this.buf = Buffer.allocUnsafeSlow(Math.max(FLUSH_BYTES + 4096, this.buf.length));
    this.size = 0;
    if (!ok && this.waiting === null) {
      this.waiting = new Promise((resolve) => this.stream.once('drain', resolve)).then(() => {
        this.waiting = null;
      });
    }
  }

  drained(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  /** Passes chunks through, waiting whenever the output is backed up. */
  async *gate<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const c of source) {
      if (this.waiting !== null) await this.waiting;
      yield c;
    }
  }

  async end(): Promise<void> {
    this.flush();
    await this.drained();
  }
}
