import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { frame } from '../../src/testing/conversations.ts';
import { ipUdp, LINKTYPE } from '../../src/testing/packets.ts';
import { PcapWriter, type WriterPacket, writePcap, writePcapFile } from '../../src/testing/pcap-writer.ts';
import { CHECK_CHECKSUMS, capinfos, run, tempDir, tsharkFields, tsharkProblems } from './tools.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// timestamps chosen to hit the edges: the epoch, sub-microsecond digits, the last 32-bit second
const TIMES = [0n, 1n, 1_700_000_000_123_456_789n, 1_700_000_000_999_999_999n, 4_294_967_295_999_999_999n];

function packets(): WriterPacket[] {
  return TIMES.map((tsNs, i) => ({
    tsNs,
    data: frame(
      LINKTYPE.ETHERNET,
      ipUdp(
        { src: '192.0.2.1', dst: `198.51.100.${i + 1}`, sport: 40000 + i, dport: 50000 },
        new Uint8Array(8 + i),
      ),
    ),
  }));
}

/** What a reader of a microsecond file sees: the ns timestamp truncated to microseconds. */
const epochText = (ns: bigint, digits: 6 | 9) => {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, digits);
  return `${sec}.${frac.padEnd(9, '0')}`;
};

describe('PcapWriter bytes', () => {
  test('header: LE microsecond and BE nanosecond magic, version 2.4, snaplen, link type', () => {
    assert.equal(
      hex(new PcapWriter({ linkType: 1 }).header()),
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000',
    );
    assert.equal(
      hex(new PcapWriter({ linkType: 101, byteOrder: 'be', resolution: 'ns', snaplen: 65535 }).header()),
      'a1b23c4d' + '0002' + '0004' + '00000000' + '00000000' + '0000ffff' + '00000065',
    );
    assert.equal(hex(new PcapWriter({ linkType: 1, resolution: 'ns' }).header()).slice(0, 8), '4d3cb2a1');
  });

  test('record: seconds, truncated fraction, incl_len and orig_len', () => {
    const data = Uint8Array.from({ length: 5 }, (_, i) => i + 1);
    const us = new PcapWriter({ linkType: 1 }).record({ tsNs: 1_700_000_000_123_456_789n, data });
    // 1700000000 = 0x6553f100, 123456 us = 0x0001e240
    assert.equal(hex(us), '00f15365' + '40e20100' + '05000000' + '05000000' + '0102030405');
    const ns = new PcapWriter({ linkType: 1, byteOrder: 'be', resolution: 'ns' }).record({
      tsNs: 1_700_000_000_123_456_789n,
      data,
      origLen: 1500,
    });
    // 123456789 ns = 0x075bcd15
    assert.equal(hex(ns), '6553f100' + '075bcd15' + '00000005' + '000005dc' + '0102030405');
  });

  test('snaplen cuts the data; orig_len keeps the wire length', () => {
    const w = new PcapWriter({ linkType: 1, snaplen: 3 });
    const r = w.record({ tsNs: 0n, data: new Uint8Array([9, 8, 7, 6, 5]) });
    assert.equal(r.length, 16 + 3);
    assert.equal(hex(r.subarray(8)), '03000000' + '05000000' + '090807');
    assert.equal(w.recordLength({ tsNs: 0n, data: new Uint8Array(10) }), 19);
  });

  test('recordInto writes at an offset and returns the length', () => {
    const w = new PcapWriter({ linkType: 1 });
    const buf = new Uint8Array(64).fill(0xee);
    const p = { tsNs: 2_000_000_001n, data: new Uint8Array([1, 2]) };
    assert.equal(w.recordInto(buf, 10, p), 18);
    assert.deepEqual(buf.subarray(10, 28), w.record(p));
    assert.equal(buf[9], 0xee);
    assert.equal(buf[28], 0xee);
  });

  test('rejects timestamps pcap cannot hold', () => {
    const w = new PcapWriter({ linkType: 1 });
    assert.throws(() => w.record({ tsNs: -1n, data: new Uint8Array(1) }), RangeError);
    assert.throws(() => w.record({ tsNs: 4_294_967_296_000_000_000n, data: new Uint8Array(1) }), RangeError);
  });

  test('writePcapFile streams the same bytes as writePcap', () => {
    const opts = { linkType: 1, resolution: 'ns' as const, byteOrder: 'be' as const };
    const many = Array.from({ length: 3000 }, (_, i) => ({
      tsNs: BigInt(i) * 1000n,
      data: new Uint8Array(i % 1600),
    }));
    const path = tmp.file('stream.pcap');
    const res = writePcapFile(path, opts, many);
    const mem = writePcap(opts, many);
    assert.equal(res.packets, 3000);
    assert.equal(res.bytes, mem.length);
    assert.deepEqual(new Uint8Array(readFileSync(path)), mem);
  });
});

describe('pcap files read by capinfos, tshark and tcpdump', () => {
  const variants = [
    { byteOrder: 'le', resolution: 'us' },
    { byteOrder: 'be', resolution: 'us' },
    { byteOrder: 'le', resolution: 'ns' },
    { byteOrder: 'be', resolution: 'ns' },
  ] as const;
  const files = variants.map((v) =>
    tmp.file(`${v.byteOrder}-${v.resolution}.pcap`, writePcap({ linkType: 1, ...v }, packets())),
  );

  test('capinfos: type, encapsulation, precision, count, snaplen', () => {
    const info = capinfos(files);
    assert.equal(info.length, 4);
    variants.forEach((v, i) => {
      assert.equal(info[i]['File type'], v.resolution === 'ns' ? 'nsecpcap' : 'pcap');
      assert.equal(info[i]['File encapsulation'], 'ether');
      assert.equal(info[i]['Number of packets'], String(TIMES.length));
      assert.match(
        info[i]['File timestamp precision'],
        v.resolution === 'ns' ? /nanoseconds \(9\)/ : /microseconds \(6\)/,
      );
      assert.match(info[i]['Packet size limit'], /262144/);
    });
  });

  test('tshark: ns timestamps round-trip exactly (both byte orders), us ones truncate; no problems', () => {
    for (const [i, v] of variants.entries()) {
      if (v.byteOrder === 'le' && v.resolution === 'us') continue; // covered by the BE run and capinfos
      const rows = tsharkFields(files[i], ['frame.time_epoch', 'ip.dst', 'udp.srcport', 'frame.len']);
      assert.deepEqual(
        rows.map((r) => r[0]),
        TIMES.map((t) => epochText(t, v.resolution === 'ns' ? 9 : 6)),
        `${v.byteOrder}-${v.resolution}`,
      );
      assert.deepEqual(
        rows.map((r) => r[1]),
        TIMES.map((_, j) => `198.51.100.${j + 1}`),
      );
      assert.deepEqual(
        rows.map((r) => r[2]),
        TIMES.map((_, j) => String(40000 + j)),
      );
    }
    assert.deepEqual(tsharkProblems(files[3]), []);
  });

  test('tcpdump reads a big-endian nanosecond file at nano precision', () => {
    const out = run('tcpdump', ['-r', files[3], '-nn', '-tt', '--time-stamp-precision=nano']);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, TIMES.length);
    assert.match(
      lines[2],
      /^1700000000\.123456789 IP 192\.0\.2\.1\.40002 > 198\.51\.100\.3\.50000: UDP, length 10$/,
    );
  });

  test('snaplen cut is reported as cap_len < len', () => {
    const f = tmp.file(
      'snap.pcap',
      writePcap({ linkType: LINKTYPE.RAW, snaplen: 40 }, [
        {
          tsNs: 1n,
          data: ipUdp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2 }, new Uint8Array(100)),
        },
        { tsNs: 2n, data: new Uint8Array(20).fill(0x45), origLen: 60 },
      ]),
    );
    const rows = tsharkFields(f, ['frame.cap_len', 'frame.len'], CHECK_CHECKSUMS);
    assert.deepEqual(rows, [
      ['40', '128'],
      ['20', '60'],
    ]);
    assert.equal(capinfos([f])[0]['File encapsulation'], 'rawip');
  });
});
