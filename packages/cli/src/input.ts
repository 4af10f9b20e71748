import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileChunks } from '@capstream/core';
import { UsageError } from './errors.ts';

export interface CaptureInput {
  /** What to call it in messages. */
  label: string;
  /** Size in bytes when known (files), for progress. */
  size: number | null;
  stream: AsyncIterable<Uint8Array>;
  /** The stream reuses its buffers (readCapture's `chunksReused`). */
  chunksReused: boolean;
}

/**
 * Opens a capture path, or standard input for '-'. A file is read in 1 MiB chunks into a few
 * reused buffers, reads ahead on libuv's threads (core's file-chunks.ts says why).
 */
export function openCapture(path: string): CaptureInput {
  if (path === '-') return { label: '<stdin>', size: null, stream: process.stdin, chunksReused: false };
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a capture file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw fileError(path, e);
  }
  return { label: path, size, stream: readFile(path), chunksReused: true };
}

async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fileError(path, e);
  });
  try {
    yield* fileChunks(fh, { reuse: true });
  } finally {
    await fh.close();
  }
}

function fileError(path: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UsageError(`${path}: no such file`);
  if (code === 'EACCES') return new UsageError(`${path}: permission denied`);
  return new UsageError(`${path}: cannot open (${(e as Error).message})`);
}
