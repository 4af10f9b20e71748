// Uploaded captures kept in a local folder (embedded mode). A capture is streamed to a temporary
// file while its SHA-256 is computed, flushed to disk (fsync), then renamed into place, so a key
// always names a complete capture. Keys are ids the store makes (`up_` + 32 hex digits); anything
// else is refused before it touches the file system, so no key can reach outside the folder.

import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type FileSourceOptions, openFile } from './file.ts';
import { abortError, formatBytes, type OpenedSource, SourceError } from './source.ts';

const KEY = /^up_[0-9a-f]{32}$/;
const TMP_PREFIX = '.tmp-';

export interface StoredCapture {
  storeKey: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface PutOptions {
  /** Refuse (TOO_LARGE) past this many bytes; default the store's. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface UploadStoreOptions {
  /** Largest capture accepted. Default 20 GiB. */
  maxBytes?: number;
}

export function isStoreKey(key: unknown): key is string {
  return typeof key === 'string' && KEY.test(key);
}

function checkKey(key: unknown): string {
  if (!isStoreKey(key)) {
    throw new SourceError('BAD_KEY', 'not an upload key this store made (expected up_ and 32 hex digits)');
  }
  return key;
}

export class UploadStore {
  readonly dir: string;
  readonly maxBytes: number;

  private constructor(dir: string, opts: UploadStoreOptions) {
    this.dir = dir;
    this.maxBytes = opts.maxBytes ?? 20 * 1024 ** 3;
  }

  /** Opens (creating it if needed) a store in `dir`, and removes temporary files left by a crash. */
  static async open(dir: string, opts: UploadStoreOptions = {}): Promise<UploadStore> {
    const abs = resolve(dir);
    await mkdir(abs, { recursive: true });
    const names = new Set(await readdir(abs));
    for (const name of names) {
      const orphanMeta = name.endsWith('.json') && !names.has(`${name.slice(0, -5)}.cap`);
      if (name.startsWith(TMP_PREFIX) || orphanMeta) await rm(join(abs, name), { force: true });
    }
    return new UploadStore(abs, opts);
  }

  private dataPath(key: string): string {
    return join(this.dir, `${checkKey(key)}.cap`);
  }

  private metaPath(key: string): string {
    return join(this.dir, `${checkKey(key)}.json`);
  }

  /** Streams a capture into the store. Nothing is left behind when it fails. */
  async put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: PutOptions = {},
  ): Promise<StoredCapture> {
    const maxBytes = opts.maxBytes ?? this.maxBytes;
    const storeKey = `up_${randomBytes(16).toString('hex')}`;
    const tmp = join(this.dir, `${TMP_PREFIX}${storeKey}`);
    const hash = createHash('sha256');
    let size = 0;
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, 'wx', 0o600);
      for await (const chunk of source) {
        if (opts.signal?.aborted) throw abortError(opts.signal);
        size += chunk.length;
        if (size > maxBytes) {
          throw new SourceError(
            'TOO_LARGE',
            `the upload is larger than the size cap (${formatBytes(maxBytes)})`,
          );
        }
        hash.update(chunk);
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
      }
      await fh.sync();
      await fh.close();
      fh = undefined;
      const sha256 = hash.digest('hex');
      const meta: StoredCapture = { storeKey, size, sha256 };
      await writeAtomic(
        join(this.dir, `${TMP_PREFIX}${storeKey}.json`),
        this.metaPath(storeKey),
        JSON.stringify(meta),
      );
      await rename(tmp, this.dataPath(storeKey));
      await syncDir(this.dir);
      return meta;
    } catch (err) {
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true });
      await rm(this.metaPath(storeKey), { force: true });
      if (err instanceof SourceError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC') {
        throw new SourceError(
          'IO',
          'the upload store is out of disk space; free some space or delete old captures',
          {
            cause: err,
          },
        );
      }
      throw new SourceError('IO', `storing the upload failed (${code ?? (err as Error).message})`, {
        cause: err,
      });
    }
  }

  /** Reads a stored capture. */
  async open(storeKey: string, options: Pick<FileSourceOptions, 'reuseChunks'> = {}): Promise<OpenedSource> {
    const path = this.dataPath(storeKey);
    try {
      const opened = await openFile(path, options);
      return { ...opened, displaySource: `upload:${storeKey}` };
    } catch (err) {
      if (err instanceof SourceError && err.code === 'NOT_FOUND') {
        throw new SourceError('NOT_FOUND', `no upload ${storeKey} in the store (deleted, or never finished)`);
      }
      throw err;
    }
  }

  /** Size and digest of a stored capture, or null when there is none. */
  async stat(storeKey: string): Promise<StoredCapture | null> {
    const metaPath = this.metaPath(storeKey);
    try {
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as StoredCapture;
      await stat(this.dataPath(storeKey));
      return meta;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SourceError('IO', `reading upload ${storeKey} failed`, { cause: err });
    }
  }

  async has(storeKey: string): Promise<boolean> {
    return (await this.stat(storeKey)) !== null;
  }

  /** Deletes a stored capture; false when there was none. */
  async delete(storeKey: string): Promise<boolean> {
    const data = this.dataPath(storeKey);
    let existed = true;
    try {
      await unlink(data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      existed = false;
    }
    await rm(this.metaPath(storeKey), { force: true });
    return existed;
  }

  /** Keys of every stored capture. */
  async list(): Promise<string[]> {
    return (await readdir(this.dir))
      .filter((n) => n.endsWith('.cap'))
      .map((n) => n.slice(0, -4))
      .filter(isStoreKey)
      .sort();
  }
}

async function writeAtomic(tmp: string, dest: string, text: string): Promise<void> {
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, dest);
}

async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems cannot fsync a directory; the renames are still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}
