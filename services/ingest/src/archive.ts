import {
  createReadStream,
  createWriteStream,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What a capture's archive is: kept (copied, or linked and unchanged), missing, or changed since read. */
export type ArchiveState = 'kept' | 'missing' | 'changed';

/** How a linked file looked once its capture was read. */
interface LinkStamp {
  size: number;
  mtimeMs: number;
}

/**
 * The decompressed bytes of every capture, by capture id: the durable copy a parser replays
 * from after a restart, and where per-flow pcaps are cut from. A local directory here; a shared
 * volume or object store in a cluster.
 *
 * A local capture file read as it is (not gzip) is kept as a hard link when the file system
 * allows: no second copy of a multi-gigabyte file, and no time spent writing one (on the
 * benchmark's 1 GB capture the copy was ~15% of the embedded pipeline's time). The link keeps the
 * bytes when the user deletes or replaces the file; a file rewritten in place would change them,
 * so the file's size and mtime are noted once it is read (`seal`), and a changed file reads as
 * `changed`, not as wrong packets.
 */
export class CaptureArchive {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(captureId: string): string {
    if (!ID.test(captureId)) throw new Error(`bad capture id ${JSON.stringify(captureId)}`);
    return join(this.dir, `${captureId}.cap`);
  }

  private stampPath(captureId: string): string {
    return `${this.path(captureId)}.link`;
  }

  writer(captureId: string): ArchiveWriter {
    // Unlinked first: an earlier attempt may have left a hard link to the user's own file there,
    // and writing through it would overwrite that file.
    this.delete(captureId);
    return new ArchiveWriter(createWriteStream(this.path(captureId)));
  }

  /**
   * Keeps a local file as the capture's archive through a hard link; false when the file system
   * refuses (another device, no links, not the file's owner), and the bytes must be written.
   */
  link(captureId: string, file: string): boolean {
    this.delete(captureId);
    try {
      linkSync(file, this.path(captureId));
      return true;
    } catch {
      return false;
    }
  }

  /** Notes how a linked archive looks now that its capture was read (see state()). */
  seal(captureId: string): void {
    const st = statSync(this.path(captureId));
    const stamp: LinkStamp = { size: st.size, mtimeMs: st.mtimeMs };
    writeFileSync(this.stampPath(captureId), JSON.stringify(stamp));
  }

  state(captureId: string): ArchiveState {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(this.path(captureId));
    } catch {
      return 'missing';
    }
    let stamp: LinkStamp;
    try {
      stamp = JSON.parse(readFileSync(this.stampPath(captureId), 'utf8')) as LinkStamp;
    } catch {
      return 'kept'; // written by Capstream (or linked and still being read)
    }
    return stamp.size === st.size && stamp.mtimeMs === st.mtimeMs ? 'kept' : 'changed';
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
    rmSync(this.stampPath(captureId), { force: true });
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
