import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureError } from '../../src/errors.ts';
import { writePcap } from '../../src/testing/index.ts';
import { gzip, readAll, readChunked, rng } from '../helpers.ts';

const T0 = 1_700_000_000_123_456_789n;

function samplePackets(n: number) {
  const r = rng(7);
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8Array(20 + Math.floor(r() * 200));
    for (let j = 0; j < data.length; j++) data[j] = Math.floor(r() * 256);
    return { tsNs: T0 + BigInt(i) * 1_000_333n, data };
  });
}

describe('pcap reader', () => {
  for (const byteOrder of ['le', 'be'] as const) {
    for (const resolution of ['us', 'ns'] as const) {
      it(`reads ${byteOrder} ${resolution} files with exact timestamps`, async () => {
        const pkts = samplePackets(50);
        const file = writePcap({ byteOrder, resolution, linkType: 1 }, pkts);
        const { packets, result } = await readAll(file);
        assert.equal(result.error, null);
        assert.equal(result.layout.format, 'pcap');
        assert.equal(result.layout.byteOrder, byteOrder);
        assert.equal(result.layout.precision, resolution === 'ns' ? 9 : 6);
        assert.equal(packets.length, 50);
        for (let i = 0; i < 50; i++) {
          const ns = resolution === 'ns' ? pkts[i].tsNs : (pkts[i].tsNs / 1000n) * 1000n;
          assert.equal(BigInt(packets[i].tsSec) * 1_000_000_000n + BigInt(packets[i].tsNsec), ns);
          assert.equal(packets[i].hex, Buffer.from(pkts[i].data).toString('hex'));
          assert.equal(packets[i].linkType, 1);
        }
      });
    }
  }

  it('gives the same records whatever the chunk boundaries', () => {
    const file = writePcap({ linkType: 101, resolution: 'ns' }, samplePackets(40));
    const whole = readChunked(file, [file.length]);
    assert.equal(whole.error, null);
    for (const sizes of [[1], [3, 7, 1], [15, 16, 17], [23, 24, 25, 1000]]) {
      assert.deepEqual(readChunked(file, sizes), whole, `chunk sizes ${sizes}`);
    }
  });

  it('keeps snaplen-cut packets with their original length', async () => {
    const data = new Uint8Array(1500).fill(0x45);
    const file = writePcap({ linkType: 101, snaplen: 96 }, [{ tsNs: T0, data }]);
    const { packets, result } = await readAll(file);
    assert.equal(result.error, null);
    assert.equal(packets[0].capLen, 96);
    assert.equal(packets[0].origLen, 1500);
  });

  it('reports a file cut inside a record and keeps the packets before it', async () => {
    const file = writePcap({ linkType: 1 }, samplePackets(10));
    const cut = file.subarray(0, file.length - 5);
    const { packets, result } = await readAll(cut, 33);
    assert.equal(packets.length, 9);
    assert.ok(result.error instanceof CaptureError);
    assert.equal(result.error.code, 'TRUNCATED');
    assert.ok(result.error.offset > 24 && result.error.offset < cut.length);
    assert.match(result.error.message, /at byte \d+: capture ends inside a packet record/);
  });

  it('rejects a hostile record length without allocating it', async () => {
    const file = writePcap({ linkType: 1 }, samplePackets(3));
    const view = new DataView(file.buffer, file.byteOffset);
    view.setUint32(24 + 8, 0x7fffffff, true); // first record's incl_len
    const { packets, result } = await readAll(file);
    assert.equal(packets.length, 0);
    assert.equal(result.error?.code, 'BAD_RECORD');
    assert.equal(result.error?.offset, 24);
  });

  it('rejects what is not a capture, naming the reason', async () => {
    const { result } = await readAll(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
    assert.equal(result.error?.code, 'UNKNOWN_FORMAT');
    const empty = await readAll(new Uint8Array(0));
    assert.equal(empty.result.error?.code, 'TRUNCATED');
    assert.match(empty.result.error!.message, /empty/);
  });

  it('unwraps gzip by content, not by name, and hashes the raw bytes', async () => {
    const file = writePcap({ linkType: 1 }, samplePackets(20));
    const plain = await readAll(file);
    const zipped = await readAll(gzip(file), 10);
    assert.equal(zipped.result.gzip, true);
    assert.equal(zipped.result.error, null);
    assert.deepEqual(zipped.packets, plain.packets);
  });

  it('reports a truncated gzip stream after the packets it could read', async () => {
    const file = writePcap({ linkType: 1 }, samplePackets(200));
    const z = gzip(file);
    const { packets, result } = await readAll(z.subarray(0, Math.floor(z.length * 0.8)), 512);
    assert.ok(packets.length > 0 && packets.length < 200);
    assert.equal(result.error?.code, 'TRUNCATED');
  });
});
