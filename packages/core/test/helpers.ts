import { gzipSync } from 'node:zlib';
import { CaptureReader, type PacketRecord, readCapture } from '../src/capture/index.ts';

export interface ReadPacket {
  linkType: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  interfaceId: number;
  hex: string;
}

/** Copies the fields of a (reused) record. */
export function snapshot(p: PacketRecord): ReadPacket {
  return {
    linkType: p.linkType,
    tsSec: p.tsSec,
    tsNsec: p.tsNsec,
    capLen: p.capLen,
    origLen: p.origLen,
    interfaceId: p.interfaceId,
    hex: Buffer.from(p.data).toString('hex'),
  };
}

/** Feeds `bytes` to a CaptureReader in chunks of the given sizes (cycled). */
export function readChunked(
  bytes: Uint8Array,
  sizes: number[],
): { packets: ReadPacket[]; error: Error | null } {
  const packets: ReadPacket[] = [];
  const reader = new CaptureReader((p) => packets.push(snapshot(p)));
  let error: Error | null = null;
  try {
    let off = 0;
    for (let i = 0; off < bytes.length; i++) {
      const n = sizes[i % sizes.length];
      reader.push(bytes.subarray(off, off + n));
      off += n;
    }
    reader.end();
  } catch (e) {
    error = e as Error;
  }
  return { packets, error };
}

export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += size) yield bytes.subarray(off, off + size);
}

export async function readAll(bytes: Uint8Array, chunk = 1 << 16) {
  const packets: ReadPacket[] = [];
  const result = await readCapture(chunksOf(bytes, chunk), (p) => packets.push(snapshot(p)));
  return { packets, result };
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes);
}

export { rng } from '../src/testing/random.ts';
