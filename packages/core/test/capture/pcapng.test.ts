import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, PcapngWriter } from '../../src/testing/index.ts';
import { readAll, readChunked } from '../helpers.ts';

const T0 = 1_700_000_000_987_654_321n;
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const nsOf = (p: { tsSec: number; tsNsec: number }) => BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);

/** Two sections in opposite byte orders, interfaces of several link types and resolutions. */
function twoSections(): Uint8Array {
  const w = new PcapngWriter({ byteOrder: 'le' });
  const parts = [
    w.section(),
    w.interface({ linkType: 1, tsresol: 9 }),
    w.interface({ linkType: 101 }), // default 10^-6
    w.interface({ linkType: 113, tsresol: 0x80 | 20 }), // 2^-20 s
    w.epb(0, { tsNs: T0, data: bytes(60, 1) }),
    w.unknownBlock(0x0bad, bytes(12, 9)),
    w.epb(1, { tsNs: T0 + 1_000n, data: bytes(40, 2) }),
    w.epb(2, { tsNs: T0 + 2_000_000n, data: bytes(50, 3) }),
    w.pb(0, { tsNs: T0 + 3_000_000n, data: bytes(30, 4) }),
    w.spb({ tsNs: 0n, data: bytes(70, 5) }),
    w.interfaceStatistics(0, T0 + 4_000_000n),
    w.section({ byteOrder: 'be' }),
    w.interface({ linkType: 229, tsresol: 9, tsoffset: 1000n }),
    w.epb(0, { tsNs: T0 + 5_000_000n, data: bytes(44, 6) }),
  ];
  return concat(parts);
}

describe('pcapng reader', () => {
  it('reads sections, interfaces, EPB/PB/SPB and skips unknown blocks', async () => {
    const { packets, result } = await readAll(twoSections());
    assert.equal(result.error, null);
    assert.equal(result.layout.sections, 2);
    assert.deepEqual(result.layout.linkTypes, [1, 101, 113, 229]);
    assert.equal(result.layout.precision, 9);
    assert.equal(result.layout.byteOrder, 'be');
    assert.ok(result.layout.skippedBlocks >= 2);
    assert.deepEqual(
      packets.map((p) => [p.linkType, p.interfaceId, p.capLen]),
      [
        [1, 0, 60],
        [101, 1, 40],
        [113, 2, 50],
        [1, 0, 30],
        [1, 0, 70],
        [229, 0, 44],
      ],
    );
    assert.equal(nsOf(packets[0]), T0);
    assert.equal(nsOf(packets[1]), ((T0 + 1_000n) / 1000n) * 1000n);
    // 2^-20 s units: within one unit (~954 ns) of the written time.
    const d = nsOf(packets[2]) - (T0 + 2_000_000n);
    assert.ok(d <= 0n && d > -954n, `2^-20 resolution off by ${d} ns`);
    assert.equal(nsOf(packets[3]), T0 + 3_000_000n);
    // The SPB has no timestamp: it takes the previous packet's.
    assert.equal(nsOf(packets[4]), nsOf(packets[3]));
    // if_tsoffset is added by the reader; the writer subtracted it.
    assert.equal(nsOf(packets[5]), T0 + 5_000_000n);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const file = twoSections();
    const whole = readChunked(file, [file.length]);
    assert.equal(whole.error, null);
    for (const sizes of [[1], [5, 11], [12, 13], [64, 7, 3]]) {
      assert.deepEqual(readChunked(file, sizes), whole, `chunk sizes ${sizes}`);
    }
  });

  it('rejects a packet on an undeclared interface with its offset', async () => {
    const w = new PcapngWriter();
    const head = concat([w.section(), w.interface({ linkType: 1 })]);
    const good = w.epb(0, { tsNs: T0, data: bytes(20, 1) });
    const bad = w.epb(0, { tsNs: T0, data: bytes(20, 1) });
    new DataView(bad.buffer, bad.byteOffset).setUint32(8, 7, true);
    const { packets, result } = await readAll(concat([head, good, bad]));
    assert.equal(packets.length, 1);
    assert.equal(result.error?.code, 'BAD_RECORD');
    assert.equal(result.error?.offset, head.length + good.length + 8);
    assert.match(result.error!.reason, /interface 7/);
  });

  it('rejects impossible block lengths and blocks before a section', async () => {
    const w = new PcapngWriter();
    const file = concat([
      w.section(),
      w.interface({ linkType: 1 }),
      w.epb(0, { tsNs: T0, data: bytes(20, 1) }),
    ]);
    const broken = file.slice();
    const epbAt = file.length - 52;
    new DataView(broken.buffer).setUint32(epbAt + 4, 13, true);
    assert.equal((await readAll(broken)).result.error?.code, 'BAD_RECORD');
    const headless = file.subarray(file.length - 52);
    assert.equal((await readAll(headless)).result.error?.code, 'UNKNOWN_FORMAT');
  });

  it('reports a file cut inside a block', async () => {
    const file = twoSections();
    const { packets, result } = await readAll(file.subarray(0, file.length - 10), 100);
    assert.equal(packets.length, 5);
    assert.equal(result.error?.code, 'TRUNCATED');
  });
});
