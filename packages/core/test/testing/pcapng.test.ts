import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { frame } from '../../src/testing/conversations.ts';
import { ipUdp, LINKTYPE } from '../../src/testing/packets.ts';
import {
  BLOCK_CUSTOM,
  concat,
  type PcapngInterface,
  PcapngWriter,
  writePcapng,
  writePcapngFile,
} from '../../src/testing/pcapng-writer.ts';
import { capinfos, run, tempDir, tsharkFields, tsharkProblems } from './tools.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const T = 1_700_000_000_123_456_789n;
const NS = 1_000_000_000n;

/** The epoch time text a reader shows for tsNs written on an interface with this tsresol/tsoffset. */
function readerTime(tsNs: bigint, tsresol = 6, tsoffset = 0n): string {
  const rel = tsNs - tsoffset * NS;
  const e = BigInt(tsresol & 0x7f);
  let sec: bigint;
  let ns: bigint;
  if (tsresol & 0x80) {
    const units = (rel << e) / NS;
    sec = units >> e;
    ns = ((units & ((1n << e) - 1n)) * NS) >> e;
  } else {
    const per = 10n ** e;
    const units = (rel * per) / NS;
    sec = units / per;
    ns = ((units % per) * NS) / per;
  }
  return `${sec + tsoffset}.${ns.toString().padStart(9, '0')}`;
}

const udpTo = (i: number) =>
  ipUdp({ src: '10.0.0.1', dst: `10.0.1.${i}`, sport: 40000 + i, dport: 50000 }, new Uint8Array(i));
const udp6To = (i: number) =>
  ipUdp({ src: '2001:db8::1', dst: `2001:db8::${i}`, sport: 40000 + i, dport: 50000 }, new Uint8Array(i));

/** Splits a pcapng file into blocks, checking the leading and trailing lengths agree. */
function blocks(file: Uint8Array): { type: number; le: boolean; bytes: Uint8Array }[] {
  const out: { type: number; le: boolean; bytes: Uint8Array }[] = [];
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let le = true;
  for (let off = 0; off < file.length; ) {
    if (v.getUint32(off) === 0x0a0d0d0a) le = v.getUint32(off + 8, true) === 0x1a2b3c4d;
    const type = v.getUint32(off, le);
    const len = v.getUint32(off + 4, le);
    assert.equal(len % 4, 0, `block at ${off} not 32-bit aligned`);
    assert.equal(v.getUint32(off + len - 4, le), len, `trailing length of block at ${off}`);
    out.push({ type, le, bytes: file.subarray(off, off + len) });
    off += len;
  }
  return out;
}

describe('PcapngWriter bytes', () => {
  test('SHB: byte-order magic, version 1.0, section length -1, in either byte order', () => {
    const w = new PcapngWriter();
    assert.equal(
      hex(w.section({ userAppl: '' })),
      '0a0d0d0a' + '1c000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' + '1c000000',
    );
    assert.equal(
      hex(w.section({ userAppl: '', byteOrder: 'be' })),
      '0a0d0d0a' + '0000001c' + '1a2b3c4d' + '0001' + '0000' + 'ffffffffffffffff' + '0000001c',
    );
    assert.equal(w.byteOrder, 'be');
    // options: shb_userappl padded to 32 bits, then opt_endofopt
    const shb = new PcapngWriter().section({ userAppl: 'abcde' });
    assert.equal(
      hex(shb.subarray(24)),
      '0400' + '0500' + hex(Buffer.from('abcde\0\0\0')) + '00000000' + '2c000000',
    );
  });

  test('IDB: link type, snaplen, if_name / if_tsresol / if_tsoffset options', () => {
    const w = new PcapngWriter();
    w.section();
    assert.equal(
      hex(w.interface({ linkType: 1, name: 'ab', tsresol: 9 })),
      '01000000' +
        '28000000' +
        '0100' +
        '0000' +
        '00000400' +
        '0200' +
        '0200' +
        '61620000' +
        '0900' +
        '0100' +
        '09000000' +
        '00000000' +
        '28000000',
    );
    // no options at all -> no opt_endofopt either
    assert.equal(
      hex(w.interface({ linkType: 101, snaplen: 0 })),
      '01000000' + '14000000' + '6500000000000000' + '14000000',
    );
    const be = new PcapngWriter({ byteOrder: 'be' });
    be.section();
    assert.equal(
      hex(be.interface({ linkType: 113, tsoffset: -2n })).slice(16 * 2),
      '000e' + '0008' + 'fffffffffffffffe' + '00000000' + '00000024',
    );
    assert.equal(w.interfaceCount, 2);
  });

  test('EPB: interface id, timestamp high/low in the interface resolution, lengths, padding', () => {
    const w = new PcapngWriter();
    w.section();
    w.interface({ linkType: 1 }); // 10^-6
    w.interface({ linkType: 1, tsresol: 9 });
    w.interface({ linkType: 1, tsresol: 0x80 | 20, tsoffset: 1_600_000_000n, snaplen: 4 });
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const us = T / 1000n;
    const ns = T;
    const bin = ((T - 1_600_000_000n * NS) << 20n) / NS;
    const word = (x: bigint) =>
      hex(Uint8Array.of(...[0, 8, 16, 24].map((s) => Number((x >> BigInt(s)) & 0xffn))));
    const tsHex = (u: bigint) => word(u >> 32n) + word(u & 0xffffffffn);
    assert.equal(
      hex(w.epb(0, { tsNs: T, data })),
      '06000000' +
        '28000000' +
        '00000000' +
        tsHex(us) +
        '05000000' +
        '05000000' +
        '0102030405000000' +
        '28000000',
    );
    assert.equal(
      hex(w.epb(1, { tsNs: T, data, origLen: 9 })).slice(24, 56),
      tsHex(ns) + '05000000' + '09000000',
    );
    // snaplen 4 cuts the data, original length stays
    assert.equal(
      hex(w.epb(2, { tsNs: T, data })),
      '06000000' + '24000000' + '02000000' + tsHex(bin) + '04000000' + '05000000' + '01020304' + '24000000',
    );
    // options: opt_comment and epb_flags
    const withOpts = w.epb(0, { tsNs: T, data: new Uint8Array(4) }, { comment: 'hi', flags: 0x1 });
    assert.equal(
      hex(withOpts.subarray(32, 52)),
      '0100' + '0200' + '68690000' + '0200' + '0400' + '01000000' + '00000000',
    );
    // epbInto at an offset matches epb
    const buf = new Uint8Array(100).fill(0xaa);
    const n = w.epbInto(buf, 3, 0, { tsNs: T, data });
    assert.equal(n, w.epbLength(0, { tsNs: T, data }));
    assert.deepEqual(buf.subarray(3, 3 + n), w.epb(0, { tsNs: T, data }));
  });

  test('SPB, PB, NRB, ISB, unknown blocks are well formed', () => {
    const w = new PcapngWriter({ byteOrder: 'be' });
    w.section();
    w.interface({ linkType: 1, snaplen: 6, tsresol: 9 });
    const spb = w.spb({ tsNs: 0n, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7), origLen: 7 });
    assert.equal(hex(spb), '00000003' + '00000018' + '00000007' + '010203040506' + '0000' + '00000018');
    assert.throws(() => w.spb({ tsNs: 0n, data: new Uint8Array(3), origLen: 10 }), RangeError);
    const pb = w.pb(0, { tsNs: 5n, data: Uint8Array.of(9) }, 7);
    assert.equal(
      hex(pb),
      '00000002' +
        '00000024' +
        '0000' +
        '0007' +
        '00000000' +
        '00000005' +
        '00000001' +
        '00000001' +
        '09000000' +
        '00000024',
    );
    const nrb = w.nameResolution([{ ip: '10.1.2.3', name: 'a' }]);
    assert.equal(
      hex(nrb),
      '00000004' + '0000001c' + '0001' + '0006' + '0a010203' + '6100' + '0000' + '00000000' + '0000001c',
    );
    const isb = w.interfaceStatistics(0, 5n);
    // recv defaults to the packets written on the interface (SPB + PB)
    assert.equal(
      hex(isb),
      '00000005' +
        '00000034' +
        '00000000' +
        '00000000' +
        '00000005' +
        '00040008' +
        '0000000000000002' +
        '00050008' +
        '0000000000000000' +
        '00000000' +
        '00000034',
    );
    assert.equal(
      hex(w.unknownBlock(0x12345, Uint8Array.of(1))),
      '00012345' + '00000010' + '01000000' + '00000010',
    );
  });

  test('interface ids are per section; timestamps before tsoffset are rejected', () => {
    const w = new PcapngWriter();
    w.section();
    w.interface({ linkType: 1 });
    w.interface({ linkType: 1, tsoffset: 10n });
    assert.throws(() => w.epb(1, { tsNs: 9n * NS, data: new Uint8Array(1) }), RangeError);
    w.section();
    w.interface({ linkType: 1 });
    assert.throws(() => w.epb(1, { tsNs: 0n, data: new Uint8Array(1) }), RangeError);
    assert.equal(w.epb(0, { tsNs: 0n, data: new Uint8Array(1) }).length, 36);
  });

  test('writePcapngFile streams the same bytes as writePcapng', () => {
    const ifaces: PcapngInterface[] = [{ linkType: 1, tsresol: 9 }, { linkType: 101 }];
    const many = Array.from({ length: 2000 }, (_, i) => ({
      tsNs: T + BigInt(i),
      data: new Uint8Array(i % 1503),
      interfaceId: i % 2,
    }));
    const path = tmp.file('stream.pcapng');
    const res = writePcapngFile(path, ifaces, many, { byteOrder: 'be' });
    const mem = writePcapng(ifaces, many, { byteOrder: 'be' });
    assert.equal(res.bytes, mem.length);
    assert.deepEqual(new Uint8Array(readFileSync(path)), mem);
    assert.equal(blocks(mem).length, 1 + 2 + 2000);
  });
});

describe('pcapng files read by capinfos, tshark and tcpdump', () => {
  // Section 1 (LE): Ethernet/us, raw/ns, SLL/2^-20 with tsoffset; EPBs, NRB, custom and unknown
  // blocks, SPB, PB, ISBs. Section 2 (BE): SLL2/ns and NULL/ms.
  const w = new PcapngWriter();
  const pen = new Uint8Array(4);
  new DataView(pen.buffer).setUint32(0, 32473, true); // the example PEN (RFC 5612), section byte order
  const sll = { linkType: LINKTYPE.LINUX_SLL, tsresol: 0x80 | 20, tsoffset: 1_600_000_000n, snaplen: 0 };
  const parts = [
    w.section({ comment: 'first section' }),
    w.interface({ linkType: LINKTYPE.ETHERNET, name: 'eth0' }),
    w.interface({ linkType: LINKTYPE.RAW, tsresol: 9, name: 'raw0' }),
    w.interface(sll),
    w.epb(0, { tsNs: T, data: frame(LINKTYPE.ETHERNET, udpTo(1)) }),
    w.epb(1, { tsNs: T + 1n, data: udpTo(2) }, { comment: 'hello', flags: 1 }),
    w.epb(2, { tsNs: T + 2n, data: frame(LINKTYPE.LINUX_SLL, udpTo(3)) }),
    w.nameResolution([
      { ip: '10.0.0.1', name: 'client.example' },
      { ip: '2001:db8::1', name: 'v6.example' },
    ]),
    w.unknownBlock(BLOCK_CUSTOM, concat([pen, Uint8Array.of(1, 2, 3)])),
    w.unknownBlock(0x12345, new Uint8Array(5)),
    w.spb({ tsNs: 0n, data: frame(LINKTYPE.ETHERNET, udpTo(4)) }),
    w.pb(1, { tsNs: T + 4n, data: udpTo(5) }, 3),
    w.interfaceStatistics(0, T + 10n),
    w.interfaceStatistics(2, T + 10n, { startNs: T, endNs: T + 10n, drop: 7n }),
    w.section({ byteOrder: 'be' }),
    w.interface({ linkType: LINKTYPE.LINUX_SLL2, tsresol: 9 }),
    w.interface({ linkType: LINKTYPE.NULL, tsresol: 3 }),
    w.epb(0, { tsNs: T + 5n, data: frame(LINKTYPE.LINUX_SLL2, udp6To(6)) }),
    w.epb(1, { tsNs: T + 6n, data: frame(LINKTYPE.NULL, udpTo(7)) }),
  ];
  const bytes = concat(parts);
  const file = tmp.file('multi.pcapng', bytes);

  test('block structure: lengths at both ends, byte order per section', () => {
    const bs = blocks(bytes);
    assert.deepEqual(
      bs.map((b) => b.type),
      [0x0a0d0d0a, 1, 1, 1, 6, 6, 6, 4, 0xbad, 0x12345, 3, 2, 5, 5, 0x0a0d0d0a, 1, 1, 6, 6],
    );
    assert.deepEqual(
      bs.map((b) => b.le),
      [...new Array(14).fill(true), ...new Array(5).fill(false)],
    );
    // Wireshark's own pcapng structure dissector agrees on every block and finds nothing wrong
    const mime = ['-X', 'read_format:MIME Files Format'];
    const [row] = tsharkFields(file, ['pcapng.block.length', 'pcapng.block.length_trailer'], mime);
    assert.equal(row[0], bs.map((b) => b.bytes.length).join(','));
    assert.equal(row[1], row[0]);
    assert.deepEqual(tsharkProblems(file, mime), []);
  });

  test('capinfos: per-packet encapsulation, packet count, interfaces, NRB, ISB', () => {
    const out = run('capinfos', ['-M', '-t', '-E', '-c', '-I', '-n', '-k', file]);
    const info = capinfos([file], ['-t', '-E', '-c']);
    assert.equal(info[0]['File type'], 'pcapng');
    assert.equal(info[0]['File encapsulation'], 'per-packet');
    assert.equal(info[0]['Number of packets'], '7'); // 5 EPB + SPB + PB; the custom block is not a packet
    assert.match(out, /Ethernet \(2\)/);
    assert.match(out, /Raw IP \(2\)/);
    assert.match(out, /Linux cooked-mode capture v1 \(1\)/);
    assert.match(out, /Linux cooked-mode capture v2 \(1\)/);
    assert.match(out, /NULL\/Loopback \(1\)/);
    assert.match(out, /Capture comment:\s+first section/);
    assert.match(out, /Time resolution = 0x94\s+Timestamp offset = 1600000000/);
    assert.match(out, /Time precision = milliseconds \(3\)/);
    assert.match(out, /Number of resolved IPv4 addresses in file: 1/);
    assert.match(out, /Number of resolved IPv6 addresses in file: 1/);
  });

  test('tshark: per-interface link types, resolutions and offsets; comments, flags, drops', () => {
    const rows = tsharkFields(file, [
      'frame.time_epoch',
      'frame.section_number',
      'frame.encap_type',
      'ip.dst',
      'ipv6.dst',
      'udp.srcport',
      'frame.comment',
      'frame.packet_flags',
      'frame.drop_count',
    ]);
    // the custom block shows up as its own record (frame 4); drop it
    assert.equal(rows.length, 8);
    const pkts = rows.filter((_, i) => i !== 3);
    assert.deepEqual(
      pkts.map((r) => r[0]),
      [
        readerTime(T),
        readerTime(T + 1n, 9),
        readerTime(T + 2n, sll.tsresol, sll.tsoffset),
        '', // SPB has no timestamp
        readerTime(T + 4n, 9),
        readerTime(T + 5n, 9),
        readerTime(T + 6n, 3),
      ],
    );
    assert.deepEqual(
      pkts.map((r) => r[1]),
      ['1', '1', '1', '1', '1', '2', '2'],
    );
    // wiretap encapsulations: 1 ether, 7 raw IP, 25 SLL, 210 SLL2, 15 null
    assert.deepEqual(
      pkts.map((r) => r[2]),
      ['1', '7', '25', '1', '7', '210', '15'],
    );
    assert.deepEqual(
      pkts.map((r) => r[3] || r[4]),
      ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5', '2001:db8::6', '10.0.1.7'],
    );
    assert.deepEqual(
      pkts.map((r) => r[5]),
      ['40001', '40002', '40003', '40004', '40005', '40006', '40007'],
    );
    assert.equal(pkts[1][6], 'hello');
    assert.equal(pkts[1][7], '0x00000001');
    assert.equal(pkts[4][8], '3');
    assert.deepEqual(tsharkProblems(file), []);
  });

  test('tcpdump (libpcap) reads a big-endian nanosecond pcapng', () => {
    const f = tmp.file(
      'be.pcapng',
      writePcapng(
        [{ linkType: LINKTYPE.ETHERNET, tsresol: 9 }],
        [1, 2, 3].map((i) => ({ tsNs: T + BigInt(i), data: frame(LINKTYPE.ETHERNET, udpTo(i)) })),
        { byteOrder: 'be' },
      ),
    );
    const lines = run('tcpdump', ['-r', f, '-nn', '-tt', '--time-stamp-precision=nano']).trim().split('\n');
    assert.deepEqual(lines, [
      '1700000000.123456790 IP 10.0.0.1.40001 > 10.0.1.1.50000: UDP, length 1',
      '1700000000.123456791 IP 10.0.0.1.40002 > 10.0.1.2.50000: UDP, length 2',
      '1700000000.123456792 IP 10.0.0.1.40003 > 10.0.1.3.50000: UDP, length 3',
    ]);
  });
});
