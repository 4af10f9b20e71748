/**
 * Buffered stdout that respects backpressure: callers check `full` and await `drained()` between
 * input chunks, so memory stays bounded when the reader of our output is slow.
 */
export class Output {
  private buf: string[] = [];
  private size = 0;
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
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0 || this.closed) return;
    const ok = this.stream.write(`${this.buf.join('\n')}\n`);
    this.buf = [];
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
