import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The decompressed bytes of every capture, by capture id: the durable copy a parser replays
 * from after a restart, and where per-flow pcaps are cut from. A local directory here; a shared
 * volume or object store in a cluster.
 */
export class CaptureArchive {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(captureId: string): string {
    if (!ID.test(captureId)) throw new Error(`bad capture id ${JSON.stringify(captureId)}`);
    return join(this.dir, `${captureId}.cap`);
  }

  writer(captureId: string): ArchiveWriter {
    return new ArchiveWriter(createWriteStream(this.path(captureId)));
  }

  /** Bytes [start, end) of a capture. */
  read(captureId: string, start = 0, end?: number): AsyncIterable<Uint8Array> {
    if (end !== undefined && end <= start) return (async function* () {})();
    return createReadStream(this.path(captureId), {
      start,
      end: end === undefined ? undefined : end - 1,
      highWaterMark: 1 << 20,
    });
  }

  size(captureId: string): number | null {
    try {
      return statSync(this.path(captureId)).size;
    } catch {
      return null;
    }
  }

  delete(captureId: string): void {
    rmSync(this.path(captureId), { force: true });
  }
}

export class ArchiveWriter {
  constructor(private readonly out: Writable) {}

  /** Resolves when the chunk is handed to the OS (respects backpressure). */
  write(chunk: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(chunk, (e) => (e ? reject(e) : resolve()));
    });
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
