// A file's bytes as chunks, read ahead on libuv's threads into a few buffers used in turn.
//
// Why not fs.createReadStream: it reads one chunk at a time into a fresh buffer. A fresh 1 MiB
// buffer per chunk is ~1 GB per GB of capture that V8 counts as external memory and collects
// for, and its pages are faulted in anew; the flows command ran ~10% faster (interleaved A/B on
// the 1 GB benchmark capture) reading into reused buffers, three reads ahead. The copy out of the
// page cache stays on a pool thread: a synchronous read on the main thread was slower still, as
// it evicts the flow table from the main core's caches.

import type { FileHandle } from 'node:fs/promises';

export const FILE_CHUNK_BYTES = 1024 * 1024;

/** Reads in flight while the consumer works on a chunk. */
const READS_AHEAD = 3;

export interface FileChunksOptions {
  /** Bytes per chunk. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Read into READS_AHEAD + 2 buffers in turn instead of a fresh one per chunk: a chunk is then
   * valid only until the one after next is asked for (`chunksReused` of readCapture). For
   * readers that copy what they keep, as the capture readers and the ingest stage do.
   */
  reuse?: boolean;
  signal?: AbortSignal;
}

/**
 * The chunks of `fh`: a regular file from its start, several reads ahead at explicit positions;
 * anything else (a FIFO) from where it stands, one read at a time, each giving what is there.
 * Errors of the reads are thrown as they are, at the chunk they belong to; the handle stays open
 * (the caller closes it).
 */
export async function* fileChunks(
  fh: FileHandle,
  opts: FileChunksOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const size = opts.chunkSize ?? FILE_CHUNK_BYTES;
  const seekable = (await fh.stat()).isFile();
  // Reads without a position could finish out of order on the pool's threads: only one at a time.
  const ahead = seekable ? READS_AHEAD : 1;
  let ring: Buffer[] | null = opts.reuse ? [] : null;
  let turn = 0;
  const nextBuffer = (): Buffer => {
    if (ring === null) return Buffer.allocUnsafe(size);
    turn = (turn + 1) % (READS_AHEAD + 2);
    ring[turn] ??= Buffer.allocUnsafeSlow(size);
    return ring[turn] as Buffer;
  };
  let position = 0;
  const read = async (at: number | null): Promise<Uint8Array> => {
    opts.signal?.throwIfAborted();
    const buf = nextBuffer();
    const { bytesRead } = await fh.read(buf, 0, size, at);
    return bytesRead === size ? buf : buf.subarray(0, bytesRead);
  };
  const queued: Promise<Uint8Array>[] = [];
  const enqueue = () => {
    const p = read(seekable ? position : null);
    position += size;
    p.catch(() => {}); // surfaces at its await; not unhandled while the consumer works
    queued.push(p);
  };
  try {
    for (let i = 0; i < ahead; i++) enqueue();
    for (;;) {
      const chunk = await (queued.shift() as Promise<Uint8Array>);
      if (chunk.length === 0) return;
      if (seekable && chunk.length < size) {
        // Short of the end of a regular file only when it is the end, or the file changed: the
        // reads queued after it started at the wrong place. Read on from where this one ended.
        await Promise.allSettled(queued.splice(0));
        position -= (ahead - 1) * size + (size - chunk.length);
        // The dropped reads took turns of the ring: fresh buffers from here on (no more than one
        // at the end of a file) keep this chunk and the one before it intact.
        ring = null;
        enqueue();
      } else {
        while (queued.length < ahead) enqueue();
      }
      yield chunk;
    }
  } finally {
    // Reads still in flight write into the ring: let them land before the handle closes.
    await Promise.allSettled(queued);
  }
}
