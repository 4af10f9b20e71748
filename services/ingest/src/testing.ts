import type { OpenedSource } from './sources/source.ts';

/** A source over bytes in memory, handed out in chunks of the given size (tests). */
export function bytesSource(bytes: Uint8Array, chunk = 64 * 1024, displaySource = 'memory'): OpenedSource {
  return {
    displaySource,
    size: bytes.length,
    stream: (async function* () {
      for (let o = 0; o < bytes.length; o += chunk) yield bytes.subarray(o, o + chunk);
    })(),
  };
}
