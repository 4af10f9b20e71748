import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { formatIPv6, parseIP, parseIPv4, parseIPv6, parseMac } from '../../src/testing/address.ts';
import {
  AF_INET6_DARWIN,
  AF_INET6_FREEBSD,
  ETHERTYPE,
  ethernet,
  fragmentIPv4,
  fragmentIPv6,
  GTPU_PORT,
  gre,
  gtpu,
  IPPROTO,
  icmp,
  icmpv6,
  internetChecksum,
  ipTcp,
  ipUdp,
  ipv4,
  ipv6,
  LINKTYPE,
  nullLoopback,
  sll,
  sll2,
  tcp,
  tcpFlags,
  udp,
  VXLAN_PORT,
  vxlan,
} from '../../src/testing/packets.ts';
import { writePcapng } from '../../src/testing/pcapng-writer.ts';
import { tempDir, tsharkFields, tsharkProblems } from './tools.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const A4 = '192.0.2.1';
const B4 = '198.51.100.2';
const A6 = '2001:db8::1';
const B6 = '2001:db8:0:1::2';
const data = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0x61 + (i % 26));

describe('address parsing', () => {
  test('IPv4', () => {
    assert.deepEqual([...parseIPv4('192.0.2.255')], [192, 0, 2, 255]);
    for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '1..2.3']) {
      assert.throws(() => parseIPv4(bad), /invalid IPv4/, bad);
    }
  });

  test('IPv6: full, compressed, embedded IPv4, zone; RFC 5952 formatting', () => {
    const cases: [string, string][] = [
      ['::', '00000000000000000000000000000000'],
      ['::1', '00000000000000000000000000000001'],
      ['2001:db8::', '20010db8000000000000000000000000'],
      ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
      ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
      ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
      ['2001:DB8:0:1::2', '20010db8000000010000000000000002'],
      ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
      ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ];
    for (const [text, h] of cases) assert.equal(hex(parseIPv6(text)), h, text);
    for (const bad of [
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      'g::',
      '12345::',
      '1:2:3:4:5:6:7:8::',
    ]) {
      assert.throws(() => parseIPv6(bad), /invalid IPv6/, bad);
    }
    assert.equal(formatIPv6(parseIPv6('2001:0db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
    assert.equal(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIPv6(parseIPv6('::')), '::');
    assert.equal(formatIPv6(parseIPv6('1::')), '1::');
    assert.equal(parseIP(A4).length, 4);
    assert.equal(parseIP(A6).length, 16);
    assert.equal(hex(parseMac('02-00-00-0A-0b-ff')), '0200000a0bff');
  });
});

describe('builders', () => {
  test('internet checksum (RFC 1071 example), split at odd boundaries', () => {
    const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    assert.equal(internetChecksum([b]), ~0xddf2 & 0xffff);
    assert.equal(
      internetChecksum([b.subarray(0, 3), b.subarray(3, 4), b.subarray(4)]),
      internetChecksum([b]),
    );
    assert.equal(internetChecksum([Uint8Array.of(1, 2, 3)]), internetChecksum([Uint8Array.of(1, 2, 3, 0)]));
  });

  test('IPv4 header fields and checksum', () => {
    const p = ipv4(
      { src: A4, dst: B4, proto: 17, id: 0x1234, ttl: 7, df: true, options: Uint8Array.of(0x94, 4, 0) },
      data(3),
    );
    assert.equal(p.length, 24 + 3);
    assert.equal(hex(p.subarray(0, 10)), '4600001b' + '1234' + '4000' + '0711');
    assert.equal(internetChecksum([p.subarray(0, 24)]), 0);
    assert.equal(hex(p.subarray(20, 24)), '94040000');
    const f = ipv4({ src: A4, dst: B4, proto: 17, mf: true, fragOffset: 1480 }, data(8));
    assert.equal(hex(f.subarray(6, 8)), '20b9');
    assert.throws(() => ipv4({ src: A4, dst: B4, proto: 17, fragOffset: 3 }, data(1)));
    assert.throws(() => ipv4({ src: A6, dst: B4, proto: 17 }, data(1)), /not an IPv4/);
  });

  test('TCP flags and header', () => {
    assert.equal(tcpFlags('S'), 0x02);
    assert.equal(tcpFlags('SA'), 0x12);
    assert.equal(tcpFlags('fa'), 0x11);
    assert.equal(tcpFlags('RA'), 0x14);
    assert.equal(tcpFlags('PA'), 0x18);
    assert.equal(tcpFlags(0x29), 0x29);
    assert.throws(() => tcpFlags('SX'), /unknown TCP flag/);
    const seg = tcp(
      { sport: 1, dport: 2, seq: 0xfffffffe, ack: 3, flags: 'SA', options: { mss: 1460 } },
      data(0),
    );
    assert.equal(
      hex(seg),
      '00010002' + 'fffffffe' + '00000003' + '6012' + 'ffff' + '0000' + '0000' + '020405b4',
    );
  });

  test('UDP length and checksum; zero checksum is sent as 0xffff', () => {
    const d = udp({ sport: 1, dport: 2 }, data(5), { src: A4, dst: B4 });
    assert.equal(hex(d.subarray(0, 6)), '00010002000d');
    assert.notEqual(d[6] | d[7], 0);
    assert.equal(hex(udp({ sport: 1, dport: 2 }, data(1)).subarray(4)), '0009000061');
  });

  test('fragmentation splits on 8-byte boundaries', () => {
    const frags = fragmentIPv4({ src: A4, dst: B4, proto: 17, id: 9 }, data(20), 12);
    assert.deepEqual(
      frags.map((f) => [f.length - 20, hex(f.subarray(6, 8))]),
      [
        [8, '2000'],
        [8, '2001'],
        [4, '0002'],
      ],
    );
    assert.equal(fragmentIPv4({ src: A4, dst: B4, proto: 17 }, data(20), 100).length, 1);
    const f6 = fragmentIPv6({ src: A6, dst: B6, next: 17, fragId: 7 }, data(20), 16);
    assert.deepEqual(
      f6.map((f) => [f[6], f.length - 48, hex(f.subarray(40, 48))]),
      [
        [44, 16, '1100000100000007'],
        [44, 4, '1100001000000007'],
      ],
    );
  });

  test('ethernet infers the EtherType or needs it', () => {
    assert.throws(() => ethernet({}, new Uint8Array(4)), /cannot infer/);
    const arp = ethernet({ etherType: ETHERTYPE.ARP, padTo60: true }, data(28));
    assert.equal(arp.length, 60);
    assert.equal(hex(arp.subarray(12, 14)), '0806');
    assert.equal(
      hex(nullLoopback(ipv4({ src: A4, dst: B4, proto: 17 }, data(0))).subarray(0, 4)),
      '02000000',
    );
    assert.equal(
      hex(nullLoopback(ipv6({ src: A6, dst: B6, next: 59 }, data(0)), { byteOrder: 'be' }).subarray(0, 4)),
      '00000018',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Everything the builders can make, in one pcapng (one interface per link type), checked by tshark.

const IF = { ETH: 0, SLL: 1, SLL2: 2, NULL: 3, LOOP: 4, RAW: 5, IPV4: 6, IPV6: 7 } as const;
const IFACES = [
  LINKTYPE.ETHERNET,
  LINKTYPE.LINUX_SLL,
  LINKTYPE.LINUX_SLL2,
  LINKTYPE.NULL,
  LINKTYPE.LOOP,
  LINKTYPE.RAW,
  LINKTYPE.IPV4,
  LINKTYPE.IPV6,
].map((linkType) => ({ linkType, tsresol: 9 }));

const FIELDS = [
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'udp.dstport',
  'vlan.id',
  'ieee8021ad.id',
  'mpls.label',
  'pppoe.session_id',
  'gre.key',
  'gre.sequence_number',
  'vxlan.vni',
  'gtp.teid',
  'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.fraghdr.more',
  'ipv6.fraghdr.ident',
  'ipv6.routing.type',
  'icmp.type',
  'icmpv6.type',
  'null.family',
  'sll.pkttype',
  'sll.ifindex',
  'tcp.options.mss_val',
  'ip.hdr_len',
  'frame.len',
  'ip.len',
] as const;
type Field = (typeof FIELDS)[number];

interface Case {
  name: string;
  iface: number;
  data: Uint8Array;
  expect: Partial<Record<Field, string>>;
  /** tshark should flag this frame (malformed / bad checksum). */
  bad?: boolean;
}

const udp4 = (sport: number, n = 8, dst = B4, src = A4) =>
  ipUdp({ src, dst, sport: 40000 + sport, dport: 50000 + sport }, data(n));
const udp6 = (sport: number, n = 8, dst = B6, src = A6) =>
  ipUdp({ src, dst, sport: 40000 + sport, dport: 50000 + sport }, data(n));
const syn = (src: string, dst: string, sport: number) =>
  ipTcp(
    {
      src,
      dst,
      sport: 40000 + sport,
      dport: 443,
      seq: 1000,
      flags: 'S',
      options: { mss: 1460, sackPermitted: true, wscale: 7 },
    },
    data(0),
  );

function cases(): Case[] {
  const cs: Case[] = [];
  const add = (c: Case) => cs.push(c);

  add({
    name: 'eth v4 udp',
    iface: IF.ETH,
    data: ethernet({}, udp4(1)),
    expect: { 'frame.protocols': 'eth:ethertype:ip:udp:data', 'ip.src': A4, 'udp.dstport': '50001' },
  });
  add({
    name: 'eth padded to 60',
    iface: IF.ETH,
    data: ethernet({ padTo60: true }, udp4(2, 1)),
    expect: { 'frame.protocols': 'eth:ethertype:ip:udp:data', 'frame.len': '60', 'ip.len': '29' },
  });
  add({
    name: 'vlan v4 tcp syn',
    iface: IF.ETH,
    data: ethernet({ vlans: [{ id: 100, pcp: 5 }] }, syn(A4, B4, 3)),
    expect: {
      'frame.protocols': 'eth:ethertype:vlan:ethertype:ip:tcp',
      'vlan.id': '100',
      'tcp.srcport': '40003',
      'tcp.options.mss_val': '1460',
    },
  });
  add({
    name: '802.1ad + 802.1Q v6 udp',
    iface: IF.ETH,
    data: ethernet({ vlans: [{ tpid: ETHERTYPE.QINQ, id: 200 }, { id: 300 }] }, udp6(4)),
    expect: {
      'frame.protocols': 'eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ipv6:udp:data',
      'ieee8021ad.id': '200',
      'vlan.id': '300',
      'ipv6.dst': B6,
    },
  });
  add({
    name: 'double 802.1Q v4 udp',
    iface: IF.ETH,
    data: ethernet({ vlans: [{ id: 10 }, { id: 20, dei: true }] }, udp4(4)),
    expect: {
      'frame.protocols': 'eth:ethertype:vlan:ethertype:vlan:ethertype:ip:udp:data',
      'vlan.id': '10,20',
    },
  });
  add({
    name: 'mpls v4 udp',
    iface: IF.ETH,
    data: ethernet({ mpls: [100, { label: 200, ttl: 5 }] }, udp4(5)),
    expect: {
      'frame.protocols': 'eth:ethertype:mpls:ip:udp:data',
      'mpls.label': '100,200',
      'udp.dstport': '50005',
    },
  });
  add({
    name: 'vlan + mpls v6',
    iface: IF.ETH,
    data: ethernet({ vlans: [{ id: 7 }], mpls: [16] }, udp6(6)),
    expect: {
      'frame.protocols': 'eth:ethertype:vlan:ethertype:mpls:ipv6:udp:data',
      'vlan.id': '7',
      'mpls.label': '16',
    },
  });
  add({
    name: 'pppoe v4 tcp',
    iface: IF.ETH,
    data: ethernet({ pppoe: { session: 0x1234 } }, syn(A4, B4, 7)),
    expect: {
      'frame.protocols': 'eth:ethertype:pppoes:ppp:ip:tcp',
      'pppoe.session_id': '0x1234',
      'tcp.srcport': '40007',
    },
  });
  add({
    name: 'pppoe v6 udp',
    iface: IF.ETH,
    data: ethernet({ pppoe: { session: 1 } }, udp6(8)),
    expect: {
      'frame.protocols': 'eth:ethertype:pppoes:ppp:ipv6:udp:data',
      'pppoe.session_id': '0x0001',
      'udp.dstport': '50008',
    },
  });
  add({
    name: 'gre key+seq+csum carrying v4',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4(
        { src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.GRE },
        gre({ key: 42, seq: 9, checksum: true }, udp4(9)),
      ),
    ),
    expect: {
      'frame.protocols': 'eth:ethertype:ip:gre:ip:udp:data',
      'ip.src': `10.0.0.1,${A4}`,
      'gre.key': '0x0000002a',
      'gre.sequence_number': '9',
    },
  });
  add({
    name: 'gre TEB carrying ethernet',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4(
        { src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.GRE },
        gre({ protocol: ETHERTYPE.TEB }, ethernet({}, udp6(10))),
      ),
    ),
    expect: { 'frame.protocols': 'eth:ethertype:ip:gre:eth:ethertype:ipv6:udp:data', 'ipv6.src': A6 },
  });
  add({
    name: 'vxlan',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipUdp(
        { src: '10.0.0.1', dst: '10.0.0.2', sport: 54321, dport: VXLAN_PORT },
        vxlan({ vni: 0xabcdef }, ethernet({ vlans: [{ id: 11 }] }, syn(A6, B6, 11))),
      ),
    ),
    expect: {
      'frame.protocols': 'eth:ethertype:ip:udp:vxlan:eth:ethertype:vlan:ethertype:ipv6:tcp',
      'vxlan.vni': String(0xabcdef),
      'vlan.id': '11',
      'tcp.srcport': '40011',
      'udp.dstport': '4789',
    },
  });
  add({
    name: 'gtp-u carrying icmp echo',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipUdp(
        { src: '10.0.0.1', dst: '10.0.0.2', sport: GTPU_PORT, dport: GTPU_PORT },
        gtpu(
          { teid: 0x11223344 },
          ipv4(
            { src: A4, dst: B4, proto: IPPROTO.ICMP },
            icmp({ type: 8, code: 0, id: 1, seq: 2 }, data(16)),
          ),
        ),
      ),
    ),
    expect: {
      'frame.protocols': 'eth:ethertype:ip:udp:gtp:ip:icmp:data',
      'gtp.teid': '0x11223344',
      'icmp.type': '8',
      'ip.dst': `10.0.0.2,${B4}`,
    },
  });
  add({
    name: 'gtp-u with sequence carrying v6',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipUdp(
        { src: '10.0.0.1', dst: '10.0.0.2', sport: GTPU_PORT, dport: GTPU_PORT },
        gtpu({ teid: 5, seq: 77 }, udp6(13)),
      ),
    ),
    expect: {
      'frame.protocols': 'eth:ethertype:ip:udp:gtp:ipv6:udp:data',
      'gtp.teid': '0x00000005',
      'udp.dstport': `${GTPU_PORT},50013`,
    },
  });
  add({
    name: 'ip-in-ip',
    iface: IF.RAW,
    data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.IPIP }, udp4(14)),
    expect: { 'frame.protocols': 'raw:ip:ip:udp:data', 'ip.src': `10.0.0.1,${A4}` },
  });
  add({
    name: '6in4',
    iface: IF.IPV4,
    data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.IPV6 }, udp6(15)),
    expect: { 'frame.protocols': 'ip:ipv6:udp:data', 'ipv6.dst': B6, 'udp.dstport': '50015' },
  });
  add({
    name: '4in6',
    iface: IF.IPV6,
    data: ipv6({ src: 'fd00::1', dst: 'fd00::2', next: IPPROTO.IPIP }, syn(A4, B4, 16)),
    expect: { 'frame.protocols': 'ipv6:ip:tcp', 'ip.src': A4, 'tcp.srcport': '40016' },
  });
  add({
    name: '6in6',
    iface: IF.RAW,
    data: ipv6({ src: 'fd00::1', dst: 'fd00::2', next: IPPROTO.IPV6 }, udp6(17)),
    expect: { 'frame.protocols': 'raw:ipv6:ipv6:udp:data', 'ipv6.src': `fd00::1,${A6}` },
  });
  add({
    name: 'v6 ext headers: hop-by-hop, routing (SRH), destination options',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv6(
        {
          src: A6,
          dst: B6,
          next: IPPROTO.TCP,
          ext: [
            { type: IPPROTO.HOPOPTS },
            { type: IPPROTO.ROUTING },
            { type: IPPROTO.DSTOPTS, data: Uint8Array.of(0x1e, 1, 0) },
          ],
        },
        tcp({ sport: 18, dport: 80, flags: 'S' }, data(0), { src: A6, dst: B6 }),
      ),
    ),
    expect: {
      'frame.protocols': 'eth:ethertype:ipv6:ipv6.hopopts:ipv6.routing:ipv6.dstopts:tcp',
      'ipv6.routing.type': '4',
      'tcp.srcport': '18',
    },
  });
  add({
    name: 'v4 options',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4(
        { src: A4, dst: B4, proto: IPPROTO.UDP, options: Uint8Array.of(0x94, 4, 0, 0) },
        udp({ sport: 19, dport: 50019 }, data(4), { src: A4, dst: B4 }),
      ),
    ),
    expect: { 'ip.hdr_len': '24', 'udp.dstport': '50019' },
  });
  add({
    name: 'icmp echo',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4({ src: A4, dst: B4, proto: IPPROTO.ICMP }, icmp({ type: 8, code: 0, id: 7, seq: 1 }, data(32))),
    ),
    expect: { 'frame.protocols': 'eth:ethertype:ip:icmp:data', 'icmp.type': '8' },
  });
  add({
    name: 'icmpv6 echo',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv6(
        { src: A6, dst: B6, next: IPPROTO.ICMPV6 },
        icmpv6({ type: 128, code: 0, id: 7, seq: 1 }, data(32), { src: A6, dst: B6 }),
      ),
    ),
    expect: { 'frame.protocols': 'eth:ethertype:ipv6:icmpv6:data', 'icmpv6.type': '128' },
  });
  // IPv4 fragments of one UDP datagram: tshark reassembles on the last one
  const big4 = udp({ sport: 20, dport: 50020 }, data(3000), { src: A4, dst: B4 });
  fragmentIPv4({ src: A4, dst: B4, proto: IPPROTO.UDP, id: 0x4242 }, big4, 1400).forEach((f, i, all) => {
    const last = i === all.length - 1;
    add({
      name: `v4 fragment ${i}`,
      iface: IF.ETH,
      data: ethernet({}, f),
      expect: {
        'ip.flags.mf': last ? '0' : '1',
        'ip.frag_offset': String((i * 1400) / 8), // in 8-byte units
        'frame.protocols': last ? 'eth:ethertype:ip:udp:data' : 'eth:ethertype:ip:data',
        'udp.dstport': last ? '50020' : '',
      },
    });
  });
  const big6 = udp({ sport: 21, dport: 50021 }, data(3000), { src: A6, dst: B6 });
  fragmentIPv6(
    { src: A6, dst: B6, next: IPPROTO.UDP, fragId: 0xdead, ext: [{ type: IPPROTO.HOPOPTS }] },
    big6,
    1400,
  ).forEach((f, i, all) => {
    const last = i === all.length - 1;
    add({
      name: `v6 fragment ${i}`,
      iface: IF.ETH,
      data: ethernet({}, f),
      expect: {
        'ipv6.fraghdr.more': last ? '0' : '1',
        'ipv6.fraghdr.ident': '0x0000dead',
        'udp.dstport': last ? '50021' : '',
      },
    });
  });
  // the other link types
  add({
    name: 'sll v4',
    iface: IF.SLL,
    data: sll({ pktType: 4 }, syn(A4, B4, 22)),
    expect: { 'frame.protocols': 'sll:ethertype:ip:tcp', 'sll.pkttype': '4', 'tcp.srcport': '40022' },
  });
  add({
    name: 'sll2 v6',
    iface: IF.SLL2,
    data: sll2({ ifindex: 3 }, udp6(23)),
    expect: { 'frame.protocols': 'sll:ethertype:ipv6:udp:data', 'sll.ifindex': '3', 'udp.dstport': '50023' },
  });
  add({
    name: 'null v4 (le)',
    iface: IF.NULL,
    data: nullLoopback(udp4(24)),
    expect: { 'frame.protocols': 'null:ip:udp:data', 'null.family': '2' },
  });
  add({
    name: 'null v6 (le, 24)',
    iface: IF.NULL,
    data: nullLoopback(udp6(25)),
    expect: { 'frame.protocols': 'null:ipv6:udp:data', 'null.family': '24' },
  });
  add({
    name: 'null v6 (le, 30)',
    iface: IF.NULL,
    data: nullLoopback(udp6(26), { family: AF_INET6_DARWIN }),
    expect: { 'null.family': '30', 'udp.dstport': '50026' },
  });
  add({
    name: 'loop v4 (be)',
    iface: IF.LOOP,
    data: nullLoopback(udp4(27), { byteOrder: 'be' }),
    expect: { 'frame.protocols': 'null:ip:udp:data', 'null.family': '2' },
  });
  add({
    name: 'loop v6 (be, 28)',
    iface: IF.LOOP,
    data: nullLoopback(udp6(28), { byteOrder: 'be', family: AF_INET6_FREEBSD }),
    expect: { 'null.family': '28', 'udp.dstport': '50028' },
  });
  add({
    name: 'raw v4',
    iface: IF.RAW,
    data: udp4(29),
    expect: { 'frame.protocols': 'raw:ip:udp:data', 'udp.dstport': '50029' },
  });
  add({
    name: 'raw v6',
    iface: IF.RAW,
    data: udp6(30),
    expect: { 'frame.protocols': 'raw:ipv6:udp:data', 'udp.dstport': '50030' },
  });
  add({
    name: 'ipv4 linktype',
    iface: IF.IPV4,
    data: syn(A4, B4, 31),
    expect: { 'frame.protocols': 'ip:tcp', 'tcp.srcport': '40031' },
  });
  add({
    name: 'ipv6 linktype',
    iface: IF.IPV6,
    data: udp6(32),
    expect: { 'frame.protocols': 'ipv6:udp:data', 'udp.dstport': '50032' },
  });
  // deliberately broken ones
  add({
    name: 'ipv4 total length beyond the frame',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4(
        { src: A4, dst: B4, proto: IPPROTO.UDP, totalLength: 1000 },
        udp({ sport: 33, dport: 50033 }, data(4)),
      ),
    ),
    expect: {},
    bad: true,
  });
  add({
    name: 'bad tcp checksum',
    iface: IF.ETH,
    data: ethernet(
      {},
      ipv4(
        { src: A4, dst: B4, proto: IPPROTO.TCP },
        tcp({ sport: 34, dport: 80, flags: 'S', checksum: 0x1234 }, data(0)),
      ),
    ),
    expect: {},
    bad: true,
  });
  return cs;
}

describe('every builder, decoded by tshark', () => {
  const cs = cases();
  const file = tmp.file(
    'builders.pcapng',
    writePcapng(
      IFACES,
      cs.map((c, i) => ({
        tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
        data: c.data,
        interfaceId: c.iface,
      })),
    ),
  );

  test('fields and protocol stacks', () => {
    const rows = tsharkFields(file, [...FIELDS], ['-o', 'tcp.analyze_sequence_numbers:FALSE']);
    assert.equal(rows.length, cs.length);
    const mismatches: string[] = [];
    cs.forEach((c, i) => {
      for (const [field, want] of Object.entries(c.expect)) {
        const got = rows[i][FIELDS.indexOf(field as Field)] ?? '';
        if (got !== want) mismatches.push(`${c.name}: ${field} = '${got}', want '${want}'`);
      }
    });
    assert.deepEqual(mismatches, []);
  });

  test('no malformed packets or warnings (checksums verified), except the deliberate ones', () => {
    const want = cs.flatMap((c, i) => (c.bad ? [i + 1] : []));
    assert.deepEqual(tsharkProblems(file, ['-o', 'tcp.analyze_sequence_numbers:FALSE']), want);
  });
});
