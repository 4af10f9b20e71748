// A capture in a local file (or a FIFO), read in 1 MiB chunks.

import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FILE_CHUNK_BYTES, fileChunks } from '@capstream/core';
import { abortError, type OpenedSource, SourceError } from './source.ts';

export interface FileSourceOptions {
  /** Bytes per chunk. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Folders the file must be in (after symlinks are resolved). Unset: any path. A service that
   * takes file paths from users (the API) sets this; the CLI does not.
   */
  roots?: readonly string[];
  signal?: AbortSignal;
  /**
   * Read into a few buffers in turn instead of a fresh one per chunk: a chunk is then valid only
   * until the one after next is asked for (OpenedSource.reusesChunks). For a reader that copies
   * what it keeps, as the ingest stage does: a fresh 1 MiB buffer per chunk is memory V8 counts
   * and collects for, ~0.3 s of young collections per GB of capture (see core's file-chunks.ts).
   */
  reuseChunks?: boolean;
}

/** Maps a file system error to what a user can do about it. */
export function fileError(err: unknown, path: string): SourceError {
  if (err instanceof SourceError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return new SourceError('NOT_FOUND', `no such file: ${path}`, { cause: err });
    case 'ENOTDIR':
      return new SourceError('NOT_FOUND', `no such file: ${path} (a part of the path is not a folder)`, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new SourceError(
        'PERMISSION_DENIED',
        `cannot read ${path}: permission denied; make it readable by the user running Capstream`,
        { cause: err },
      );
    case 'EISDIR':
      return new SourceError('NOT_A_FILE', `${path} is a folder, not a capture file`, { cause: err });
    case 'ELOOP':
      return new SourceError('NOT_FOUND', `${path}: too many levels of symbolic links`, { cause: err });
    default:
      return new SourceError('IO', `reading ${path} failed (${code ?? (err as Error)?.message ?? err})`, {
        cause: err,
      });
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export async function openFile(path: string, opts: FileSourceOptions = {}): Promise<OpenedSource> {
  const chunkSize = opts.chunkSize ?? FILE_CHUNK_BYTES;
  const abs = resolve(path);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    throw fileError(err, path);
  }
  if (opts.roots) {
    const roots = await Promise.all(opts.roots.map((r) => realpath(resolve(r)).catch(() => resolve(r))));
    if (!roots.some((r) => within(r, real))) {
      throw new SourceError(
        'FORBIDDEN_PATH',
        `${path} is outside the folders captures may be read from (${opts.roots.join(', ')})`,
      );
    }
  }
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(real);
  } catch (err) {
    throw fileError(err, path);
  }
  if (st.isDirectory()) throw new SourceError('NOT_A_FILE', `${path} is a folder, not a capture file`);
  if (!st.isFile() && !st.isFIFO()) {
    throw new SourceError('NOT_A_FILE', `${path} is not a regular file (a device or socket)`);
  }
  let fh: FileHandle;
  try {
    fh = await open(real, 'r');
  } catch (err) {
    throw fileError(err, path);
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close().catch(() => {});
  };

  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      yield* fileChunks(fh, { chunkSize, reuse: opts.reuseChunks, signal: opts.signal });
    } catch (err) {
      throw opts.signal?.aborted ? abortError(opts.signal) : fileError(err, path);
    } finally {
      await close();
    }
  }

  return {
    displaySource: path,
    size: st.isFile() ? st.size : null,
    stream: stream(),
    reusesChunks: opts.reuseChunks === true,
    close,
    ...(st.isFile() ? { localFile: real } : {}),
  };
}
