import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { unwrapCapture } from '../../src/capture/stream.ts';
import { samplePcap } from '../../src/testing/index.ts';

/** A source reading into three buffers in turn, as a file source asked to reuse them does. */
async function* reusing(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  const ring = [Buffer.alloc(1 << 16), Buffer.alloc(1 << 16), Buffer.alloc(1 << 16)];
  let turn = 0;
  for (let o = 0, i = 0; o < bytes.length; i++) {
    const n = Math.min(sizes[Math.min(i, sizes.length - 1)]!, bytes.length - o);
    const buf = ring[turn++ % ring.length]!;
    buf.set(bytes.subarray(o, o + n));
    o += n;
    yield buf.subarray(0, n);
    buf.fill(0xee); // what a later read would leave there
  }
}

async function unwrapped(bytes: Uint8Array, sizes: number[]): Promise<{ gzip: boolean; out: Buffer }> {
  const u = await unwrapCapture(reusing(bytes, sizes), () => {}, { chunksReused: true });
  const parts: Buffer[] = [];
  for await (const c of u.bytes) parts.push(Buffer.from(c));
  return { gzip: u.gzip, out: Buffer.concat(parts) };
}

describe('unwrapping a source that reuses its buffers', () => {
  const pcap = samplePcap();
  it('passes plain chunks on, also when the first ones are too short to sniff', async () => {
    for (const sizes of [[4096], [1, 1, 1, 1, 3000], [2, 5000]]) {
      const { gzip, out } = await unwrapped(pcap, sizes);
      assert.equal(gzip, false);
      assert.deepEqual(out, Buffer.from(pcap), `chunks ${sizes}`);
    }
  });

  it('decompresses gzip from copies (the decompressor holds its input past the next read)', async () => {
    const packed = gzipSync(pcap);
    for (const sizes of [[512], [1, 1, 300]]) {
      const { gzip, out } = await unwrapped(packed, sizes);
      assert.equal(gzip, true);
      assert.deepEqual(out, Buffer.from(pcap), `chunks ${sizes}`);
    }
  });
});
