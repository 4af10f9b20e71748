import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureReader } from '@capstream/core';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { type CutSegment, Segmenter } from '../src/segmenter.ts';

function cut(bytes: Uint8Array, chunk: number, maxBytes: number, reuse = false): CutSegment[] {
  const s = new Segmenter({ maxBytes });
  const out: CutSegment[] = [];
  const scratch = new Uint8Array(chunk);
  for (let o = 0; o < bytes.length; o += chunk) {
    // Buffers, as sources give them (the framer reads them through a view of its own).
    const piece = Buffer.from(bytes.buffer, bytes.byteOffset + o, Math.min(chunk, bytes.length - o));
    if (!reuse) {
      out.push(...s.push(piece));
      continue;
    }
    // A source that reads every chunk into the same buffer: the segments must not keep views of it.
    scratch.set(piece);
    out.push(...s.push(scratch.subarray(0, piece.length)));
    scratch.fill(0xee);
  }
  out.push(...s.end());
  return out;
}

/** Each segment read alone: the packets as hex strings with their timestamps. */
function packetsOf(segments: CutSegment[]): string[] {
  const all: string[] = [];
  for (const seg of segments) {
    const r = new CaptureReader((p) =>
      all.push(`${p.tsSec}.${p.tsNsec}/${p.linkType}/${Buffer.from(p.data).toString('hex')}`),
    );
    r.push(seg.header);
    r.push(seg.records);
    r.end();
  }
  return all;
}

function packetsWhole(bytes: Uint8Array): string[] {
  return packetsOf([{ seq: 0, offset: 0, header: bytes, records: new Uint8Array(0), packets: 0 }]);
}

describe('segmenter', () => {
  for (const [name, bytes] of [
    ['pcap', samplePcap()],
    ['pcap (big-endian, nanoseconds)', samplePcap({ byteOrder: 'be', resolution: 'ns' })],
    ['pcapng (two sections, four interfaces)', samplePcapng()],
  ] as const) {
    it(`cuts ${name} into segments that each read alone, losing nothing`, () => {
      const whole = packetsWhole(bytes);
      for (const [chunk, max] of [
        [bytes.length, 1 << 20],
        [1000, 8192],
        [37, 4096],
      ]) {
        const segs = cut(bytes, chunk, max);
        assert.deepEqual(packetsOf(segs), whole, `chunk ${chunk} max ${max}`);
        assert.deepEqual(packetsOf(cut(bytes, chunk, max, true)), whole, `reused chunk ${chunk} max ${max}`);
        assert.equal(
          segs.reduce((n, s) => n + s.packets, 0),
          whole.length,
        );
        assert.deepEqual(
          segs.map((s) => s.seq),
          segs.map((_, i) => i),
        );
        for (const s of segs) {
          assert.ok(s.records.length <= Math.max(max, 70_000));
          assert.equal(packetsOf([s]).length, s.packets, `segment ${s.seq}'s packet count`);
          // A pcap's records are the file's own bytes from the segment's offset on.
          if (!name.startsWith('pcapng')) {
            assert.ok(Buffer.from(s.records).equals(bytes.subarray(s.offset, s.offset + s.records.length)));
          }
        }
        if (max === 4096) assert.ok(segs.length > 10);
      }
    });
  }

  it('rejects what the readers reject, at the same offset', () => {
    const bytes = samplePcap();
    const broken = bytes.slice();
    new DataView(broken.buffer).setUint32(24 + 8, 0x7fffffff, true);
    assert.throws(() => cut(broken, 4096, 1 << 20), /at byte 24: packet record claims/);
    assert.throws(
      () => cut(bytes.subarray(0, bytes.length - 3), 4096, 1 << 20),
      /capture ends inside a packet record/,
    );
  });
});
