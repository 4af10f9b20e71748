import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureError } from '../errors.ts';
import { sniffContainer } from './format.ts';
import type { PacketRecord } from './packet.ts';
import { type CaptureLayout, CaptureReader } from './reader.ts';

export interface ReadOptions {
  /** Compute the SHA-256 of the raw (possibly compressed) bytes, reading to the end even after an error. */
  sha256?: boolean;
  /** The source reuses its buffers (see UnwrapOptions.chunksReused). */
  chunksReused?: boolean;
  /** Called after each raw chunk with the raw bytes read so far. */
  onProgress?: (rawBytes: number) => void;
  /** Receives the live layout object at the start; it fills in as headers are read. */
  onLayout?: (layout: CaptureLayout) => void;
}

export interface ReadResult {
  layout: CaptureLayout;
  gzip: boolean;
  /** Raw bytes read from the source. */
  rawBytes: number;
  /** Bytes of pcap/pcapng after any decompression. */
  captureBytes: number;
  sha256: string | null;
  /** Set when the capture is broken; every packet before `error.offset` was delivered. */
  error: CaptureError | null;
}

/**
 * Reads a capture from any byte stream (file, HTTP body, socket), unwrapping gzip when the content
 * says so. A broken capture ends the read with `error` set instead of throwing, so what came
 * before is kept; exceptions of the callback and of the source itself propagate.
 */
export async function readCapture(
  source: AsyncIterable<Uint8Array>,
  onPacket: (p: PacketRecord) => void,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  const hash = opts.sha256 ? createHash('sha256') : null;
  let rawBytes = 0;
  const unwrapped = await unwrapCapture(
    source,
    (chunk) => {
      rawBytes += chunk.length;
      hash?.update(chunk);
      opts.onProgress?.(rawBytes);
    },
    { chunksReused: opts.chunksReused },
  );
  const { gzip, bytes } = unwrapped;

  const reader = new CaptureReader(onPacket);
  opts.onLayout?.(reader.layout);
  let error: CaptureError | null = null;
  try {
    for await (const chunk of bytes) reader.push(chunk);
    reader.end();
  } catch (e) {
    if (e instanceof CaptureError) error = e;
    else if (gzip && isZlibError(e)) error = gzipError(e as Error, reader.bytesRead);
    else throw e;
  }
  if (hash) await unwrapped.drain();
  return {
    layout: reader.layout,
    gzip,
    rawBytes,
    captureBytes: reader.bytesRead,
    sha256: hash ? hash.digest('hex') : null,
    error,
  };
}

export interface Unwrapped {
  gzip: boolean;
  /** The capture's own bytes (decompressed when it was gzip). */
  bytes: AsyncIterable<Uint8Array>;
  /** Reads the rest of the raw source (after an early stop), so hashes and counts see it all. */
  drain(): Promise<void>;
}

export interface UnwrapOptions {
  /**
   * The source reuses its buffers: a chunk is valid only until the one after next is read.
   * Chunks held longer here (several short first chunks, the decompressor's input) are copied.
   */
  chunksReused?: boolean;
}

/**
 * Looks at a capture's first bytes and unwraps gzip when they say so. `onRaw` sees every raw
 * chunk as it is read (counting, hashing, progress).
 */
export async function unwrapCapture(
  source: AsyncIterable<Uint8Array>,
  onRaw: (chunk: Uint8Array) => void = () => {},
  options: UnwrapOptions = {},
): Promise<Unwrapped> {
  const it = source[Symbol.asyncIterator]();
  const reused = options.chunksReused === true;
  const take = async (): Promise<Uint8Array | null> => {
    const r = await it.next();
    if (r.done) return null;
    onRaw(r.value);
    return r.value;
  };
  // Enough bytes to tell gzip from pcap from pcapng, however the source chunks them.
  const headParts: Uint8Array[] = [];
  let headLen = 0;
  while (headLen < 4) {
    const c = await take();
    if (c === null) break;
    // Held while more are read: a reused buffer would be overwritten meanwhile (one chunk per
    // capture, usually).
    headParts.push(reused ? Buffer.from(c) : c);
    headLen += c.length;
  }
  const gzip = headLen >= 2 && sniffContainer(Buffer.concat(headParts)) === 'gzip';
  // The decompressor reads ahead and holds its input: it gets copies of reused chunks.
  const copy = reused && gzip;
  async function* raw(): AsyncGenerator<Uint8Array> {
    yield* headParts;
    for (let c = await take(); c !== null; c = await take()) yield copy ? Buffer.from(c) : c;
  }
  let bytes: AsyncIterable<Uint8Array> = raw();
  if (gzip) {
    const gunzip = createGunzip();
    const src = Readable.from(bytes, { objectMode: false });
    src.on('error', (e) => gunzip.destroy(e));
    bytes = src.pipe(gunzip);
  }
  return {
    gzip,
    bytes,
    drain: async () => {
      while ((await take()) !== null);
    },
  };
}

/** A zlib failure as a CaptureError at the given decompressed offset, or null if it is not one. */
export function gzipFailure(e: unknown, at: number): CaptureError | null {
  return isZlibError(e) ? gzipError(e as Error, at) : null;
}

function isZlibError(e: unknown): boolean {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    /^Z_/.test((e as NodeJS.ErrnoException).code!)
  );
}

function gzipError(e: Error, at: number): CaptureError {
  if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
    return new CaptureError('TRUNCATED', at, 'the gzip stream ends early');
  }
  return new CaptureError('BAD_GZIP', at, `corrupt gzip data (${e.message})`);
}
