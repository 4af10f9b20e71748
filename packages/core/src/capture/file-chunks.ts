// A file's bytes as chunks, read one chunk ahead on libuv's threads into a few buffers in turn.
//
// Why not fs.createReadStream: it reads into a fresh buffer per chunk. A fresh 1 MiB buffer per
// chunk is ~1 GB per GB of capture that V8 counts as external memory and collects for, and whose
// pages are faulted in anew: the flows command ran ~9% faster (interleaved A/B on the 1 GB
// benchmark capture) reading into reused buffers. More reads ahead (2 or 3, at explicit
// positions) measured the same for the flows command and slower for the embedded pipeline, whose
// cores are already busy. The copy out of the page cache stays on a pool thread: a synchronous
// read on the main thread was slower still, as it evicts the flow table from that core's caches.

import type { FileHandle } from 'node:fs/promises';

export const FILE_CHUNK_BYTES = 1024 * 1024;

/** Buffers a reusing reader turns through: the chunk in use, the one before it, the one read ahead. */
const REUSED_BUFFERS = 3;

export interface FileChunksOptions {
  /** Bytes per chunk. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Read into a few buffers in turn instead of a fresh one per chunk: a chunk is then valid only
   * until the one after next is asked for (`chunksReused` of readCapture). For readers that copy
   * what they keep, as the capture readers and the ingest stage do.
   */
  reuse?: boolean;
  signal?: AbortSignal;
}

/**
 * The chunks of `fh` from where it stands to its end: a regular file fills every chunk but the
 * last; a FIFO gives what is there. Errors of the reads are thrown as they are, at the chunk they
 * belong to; the handle stays open (the caller closes it).
 */
export async function* fileChunks(
  fh: FileHandle,
  opts: FileChunksOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const size = opts.chunkSize ?? FILE_CHUNK_BYTES;
  const ring: Buffer[] | null = opts.reuse ? [] : null;
  let turn = 0;
  const read = async (): Promise<Uint8Array> => {
    opts.signal?.throwIfAborted();
    let buf: Buffer;
    if (ring === null) buf = Buffer.allocUnsafe(size);
    else {
      turn = (turn + 1) % REUSED_BUFFERS;
      buf = ring[turn] ??= Buffer.allocUnsafeSlow(size);
    }
    const { bytesRead } = await fh.read(buf, 0, size, null);
    return bytesRead === size ? buf : buf.subarray(0, bytesRead);
  };
  // One read ahead: the disk (or page cache) works while the consumer handles this chunk.
  let next: Promise<Uint8Array> | null = read();
  try {
    for (;;) {
      const chunk: Uint8Array = await next;
      next = null;
      if (chunk.length === 0) return;
      next = read();
      next.catch(() => {}); // surfaces at its await; not unhandled while the consumer works
      yield chunk;
    }
  } finally {
    // A read still in flight writes into the ring: let it land before the handle closes.
    await next?.catch(() => {});
  }
}
