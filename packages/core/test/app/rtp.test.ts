import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rtpFollows, rtpHeader } from '../../src/app/rtp.ts';
import { concat, inspect, UDP } from './builders.ts';

/** An RTP packet: version 2, payload type, sequence number, timestamp, SSRC, 160 bytes of G.711. */
function rtp(
  seq: number,
  timestamp: number,
  o: { ssrc?: number; first?: number; pt?: number; tail?: number[] } = {},
) {
  const be = (v: number, n: number) => Array.from({ length: n }, (_, i) => (v >>> (8 * (n - 1 - i))) & 0xff);
  return concat(
    [o.first ?? 0x80, o.pt ?? 0],
    be(seq, 2),
    be(timestamp, 4),
    be(o.ssrc ?? 0x1234abcd, 4),
    new Uint8Array(160).fill(0xd5),
    o.tail ?? [],
  );
}

const run = (...packets: [Uint8Array, boolean][]) => {
  const r = inspect(UDP, 30000, 40392, packets);
  return [r.result.app, r.finishedAt];
};

test('two packets of one stream from the same side are rtp', () => {
  assert.deepEqual(run([rtp(100, 8000), true], [rtp(101, 8160), true]), ['rtp', 2]);
  // The sequence number wraps; packets between were lost (or not inspected).
  assert.deepEqual(run([rtp(65535, 8000), true], [rtp(0, 8160), true]), ['rtp', 2]);
  assert.deepEqual(run([rtp(7, 0), false], [rtp(12, 800), false]), ['rtp', 2]);
  // Both sides talk at once: each side's own packets are compared.
  assert.deepEqual(run([rtp(1, 0), true], [rtp(900, 50, { ssrc: 7 }), false], [rtp(2, 160), true]), [
    'rtp',
    3,
  ]);
});

test('headers that are not a stream', () => {
  const no = {
    'another SSRC': [rtp(100, 8000), rtp(101, 8160, { ssrc: 1 })],
    'the same sequence number': [rtp(100, 8000), rtp(100, 8160)],
    'too far on': [rtp(100, 8000), rtp(200, 8160)],
    'back in time': [rtp(100, 8000), rtp(101, 7840)],
  };
  for (const [what, [a, b]] of Object.entries(no)) {
    assert.deepEqual(run([a, true], [b, true]), ['unknown', -1], what);
  }
  // One packet each way is not two from one sender.
  assert.deepEqual(run([rtp(100, 8000), true], [rtp(101, 8160), false]), ['unknown', -1]);
  // The benchmark's RTP-like filler: the version bits and nothing else.
  const filler = () => concat([0x80, 0], new Uint8Array(170));
  assert.deepEqual(run([filler(), true], [filler(), true], [filler(), true]), ['unknown', -1]);
});

test('what an RTP header must hold', () => {
  assert.equal(rtpHeader(rtp(1, 2))?.ssrc, 0x1234abcd);
  assert.equal(rtpHeader(rtp(1, 2, { first: 0x40 })), null, 'version 1');
  assert.equal(rtpHeader(rtp(1, 2, { pt: 72 })), null, 'RTCP sender report (200)');
  assert.equal(rtpHeader(rtp(1, 2, { pt: 0x80 | 76 })), null, 'RTCP with the marker bit');
  assert.notEqual(rtpHeader(rtp(1, 2, { pt: 0x80 | 0 })), null, 'a marker bit on audio');
  assert.equal(rtpHeader(rtp(1, 2, { first: 0x8f }).subarray(0, 60)), null, '15 CSRCs in a 60-byte datagram');
  // Extension header: profile, length in words, that many words.
  const ext = concat([0x90, 0], new Uint8Array(10), [0xbe, 0xde, 0, 2], new Uint8Array(8));
  assert.notEqual(rtpHeader(ext), null);
  assert.equal(rtpHeader(ext.subarray(0, 20)), null, 'an extension longer than the datagram');
  // Padding: the last byte counts it, and it must fit.
  assert.notEqual(rtpHeader(rtp(1, 2, { first: 0xa0, tail: [0, 0, 3] })), null);
  assert.equal(rtpHeader(rtp(1, 2, { first: 0xa0, tail: [0] })), null, 'padding of 0');
  assert.equal(
    rtpFollows({ ssrc: 1, seq: 5, timestamp: 0xfffffff0 }, { ssrc: 1, seq: 6, timestamp: 0x10 }),
    true,
    'timestamp wrap',
  );
});
