import { createReadStream, statSync } from 'node:fs';
import { UsageError } from './errors.ts';

export interface CaptureInput {
  /** What to call it in messages. */
  label: string;
  /** Size in bytes when known (files), for progress. */
  size: number | null;
  stream: AsyncIterable<Uint8Array>;
}

/** Opens a capture path, or standard input for '-'. Chunks are 1 MiB: big enough to amortise. */
export function openCapture(path: string): CaptureInput {
  if (path === '-') return { label: '<stdin>', size: null, stream: process.stdin };
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a capture file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path}: no such file`);
    if (code === 'EACCES') throw new UsageError(`${path}: permission denied`);
    throw new UsageError(`${path}: cannot open (${(e as Error).message})`);
  }
  return { label: path, size, stream: createReadStream(path, { highWaterMark: 1 << 20 }) };
}
