import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../../src/analyze.ts';
import { type FlowRecord, toFlowRecord } from '../../src/flow/record.ts';
import { mixedPcap, mixedPcapng } from '../fixtures.ts';
import { gzip, rng } from '../helpers.ts';

async function* randomChunks(bytes: Uint8Array, seed: number, max: number): AsyncGenerator<Uint8Array> {
  const next = rng(seed);
  for (let off = 0; off < bytes.length; ) {
    const n = 1 + Math.floor(next() * max);
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

/**
 * Random chunks read into two buffers in turn: each is overwritten when the one after next is
 * asked for, the most a source with `chunksReused` may do (core's fileChunks keeps more).
 */
async function* reusedChunks(bytes: Uint8Array, seed: number, max: number): AsyncGenerator<Uint8Array> {
  const next = rng(seed);
  const ring = [new Uint8Array(max), new Uint8Array(max)];
  for (let off = 0, turn = 0; off < bytes.length; turn++) {
    const n = Math.min(1 + Math.floor(next() * max), bytes.length - off);
    const buf = ring[turn % 2]!;
    buf.fill(0xee); // whatever was kept of the chunk before last is gone
    buf.set(bytes.subarray(off, off + n));
    yield buf.subarray(0, n);
    off += n;
  }
}

async function flows(source: AsyncIterable<Uint8Array>, chunksReused = false) {
  const out: FlowRecord[] = [];
  const summary = await analyzeCapture(
    source,
    (f, final, p) => {
      if (final) out.push(toFlowRecord(f, p));
    },
    { chunksReused },
  );
  return { out, counters: summary.counters, error: summary.error };
}

async function* whole(bytes: Uint8Array) {
  yield bytes;
}

const corpus = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'pcaps');
const corpusSamples = [
  'ndpi__1kxun.pcap',
  'ndpi__quic_frags_ch_in_multiple_packets.pcapng',
  'zeek__tunnels_gtp_gtp1_gn_normal_incl_fragmentation.pcap',
];

describe('segment independence', () => {
  const captures: [string, () => Uint8Array][] = [
    ['pcap', () => mixedPcap()],
    ['pcap be ns', () => mixedPcap({ byteOrder: 'be', resolution: 'ns' })],
    ['pcapng', () => mixedPcapng()],
    ['pcap.gz', () => gzip(mixedPcap())],
    ...corpusSamples.map((f): [string, () => Uint8Array] => [
      f,
      () => new Uint8Array(readFileSync(join(corpus, f))),
    ]),
  ];
  for (const [name, make] of captures) {
    it(`gives identical flows whole and cut at arbitrary bytes: ${name}`, async () => {
      const bytes = make();
      const ref = await flows(whole(bytes));
      assert.equal(ref.error, null);
      assert.ok(ref.out.length >= 1, 'no flows');
      for (const [seed, max] of [
        [1, 7],
        [2, 100],
        [3, 5000],
      ]) {
        assert.deepEqual(await flows(randomChunks(bytes, seed, max)), ref, `seed ${seed} max ${max}`);
      }
    });

    it(`keeps nothing of a chunk past the one after it (reused buffers): ${name}`, async () => {
      const bytes = make();
      const ref = await flows(whole(bytes));
      for (const [seed, max] of [
        [4, 7],
        [5, 1500],
        [6, 65536],
      ]) {
        assert.deepEqual(await flows(reusedChunks(bytes, seed, max), true), ref, `seed ${seed} max ${max}`);
      }
    });
  }

  it('labels the mixed fixture as expected', async () => {
    const { out, counters } = await flows(whole(mixedPcap()));
    const apps = Object.fromEntries(
      out.map((r) => [`${r.dst_ip}:${r.dst_port}`, [r.app, r.server_name, r.tunnel]]),
    );
    assert.deepEqual(apps['198.51.100.53:53'], ['dns', null, null]);
    assert.deepEqual(apps['93.184.215.14:80'], ['http', 'www.example.org', null]);
    assert.deepEqual(apps['2001:db8:1::443:443'], ['tls', 'secure.example.org', null]);
    assert.deepEqual(apps['203.0.113.22:22'], ['ssh', null, null]);
    assert.equal(apps['10.2.0.6:8443'][2] !== null, true);
    assert.deepEqual(counters, {});
  });
});
