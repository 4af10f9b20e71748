import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import {
  be16,
  dnsHeader,
  dnsName,
  dnsRR,
  ethernet,
  fragmentIPv4,
  fragmentIPv6,
  gre,
  gtpu,
  icmp,
  ipTcp,
  ipUdp,
  ipv4,
  ipv6,
  join,
  nullLoopback,
  sll,
  sll2,
  udp,
  vxlan,
} from '../../src/testing/index.ts';
import { flowsOf } from './run.ts';

const T = 1_700_000_000_000_000_000n;
const payload = (n: number) => new Uint8Array(n).fill(0x61);
const seg = (src: string, dst: string, sport: number, dport: number, flags = 'A', body = payload(10)) =>
  ipTcp({ src, dst, sport, dport, flags }, body);

describe('link layers', () => {
  const inner = seg('198.51.100.1', '203.0.113.9', 40000, 80);
  const cases: [string, number, Uint8Array][] = [
    ['ethernet', 1, ethernet({}, inner)],
    ['802.1Q', 1, ethernet({ vlans: [{ id: 10 }] }, inner)],
    ['802.1ad QinQ', 1, ethernet({ vlans: [{ tpid: 0x88a8, id: 100 }, { id: 20 }] }, inner)],
    ['MPLS stack', 1, ethernet({ mpls: [1000, 2000] }, inner)],
    ['PPPoE', 1, ethernet({ pppoe: { session: 7 } }, inner)],
    ['raw 101', 101, inner],
    ['raw IPv4 228', 228, inner],
    ['SLL', 113, sll({}, inner)],
    ['SLL2', 276, sll2({}, inner)],
    ['null LE', 0, nullLoopback(inner, { byteOrder: 'le' })],
    ['loop BE', 108, nullLoopback(inner, { byteOrder: 'be' })],
  ];
  for (const [name, linkType, data] of cases) {
    it(`decodes IP inside ${name}`, () => {
      const { records, counters } = flowsOf([{ tsNs: T, data, linkType }]);
      assert.deepEqual(counters, {});
      assert.equal(records.length, 1);
      const r = records[0];
      assert.deepEqual(
        [r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.ip_proto],
        ['198.51.100.1', 40000, '203.0.113.9', 80, 6],
      );
      assert.equal(r.bytes_src, inner.length);
      assert.equal(r.payload_bytes_src, 10);
    });
  }

  it('decodes a packet in place inside a larger buffer as it decodes it alone (decodeAt)', () => {
    const tso = seg('192.0.2.1', '192.0.2.2', 1, 2, 'A', payload(3000));
    tso[2] = 0; // IPv4 total length 0 (segmentation offload): the wire length counts from the start
    tso[3] = 0;
    for (const [name, linkType, data] of [...cases, ['zero-length IPv4', 101, tso] as const]) {
      const alone = new PacketDecoder();
      const inPlace = new PacketDecoder();
      const buf = new Uint8Array(data.length + 37).fill(0xee);
      buf.set(data, 23);
      assert.equal(alone.decode(linkType, data, data.length), true, name);
      assert.equal(inPlace.decodeAt(linkType, buf, 23, 23 + data.length, data.length), true, name);
      const fields = (d: PacketDecoder, base: number) => [
        d.ipVersion,
        d.proto,
        d.srcPort,
        d.dstPort,
        d.ipLen,
        d.payloadLen,
        d.payloadCapLen,
        d.srcOff - base,
        d.dstOff - base,
        d.payloadOff - base,
        d.tcpFlags,
      ];
      assert.deepEqual(fields(inPlace, 23), fields(alone, 0), name);
    }
  });

  it('decodes raw IPv6 (229) and prints addresses in RFC 5952 form', () => {
    const data = seg('2001:db8:0:0:0:0:0:1', '2001:DB8::a:0:0:2', 5000, 443);
    const { records } = flowsOf([{ tsNs: T, data, linkType: 229 }]);
    assert.equal(records[0].src_ip, '2001:db8::1');
    assert.equal(records[0].dst_ip, '2001:db8::a:0:0:2');
    assert.equal(records[0].ip_version, 6);
  });

  it('counts unsupported link types and non-IP frames instead of failing', () => {
    const arp = ethernet({ etherType: 0x0806 }, payload(28));
    const { records, counters } = flowsOf([
      { tsNs: T, data: payload(40), linkType: 147 },
      { tsNs: T, data: arp, linkType: 1 },
      { tsNs: T, data: payload(5), linkType: 1 },
    ]);
    assert.equal(records.length, 0);
    assert.deepEqual(counters, { unsupported_linktype: 1, non_ip: 1, truncated_link: 1 });
  });

  it('counts malformed IP and transport headers per reason', () => {
    const badIhl = ipv4(
      { src: '10.0.0.1', dst: '10.0.0.2', proto: 17 },
      udp({ sport: 1, dport: 2 }, payload(4)),
    );
    badIhl[0] = 0x43;
    const shortTcp = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, payload(8));
    const { records, counters } = flowsOf([
      { tsNs: T, data: badIhl },
      { tsNs: T, data: shortTcp },
      { tsNs: T, data: payload(3).fill(0x45) },
    ]);
    assert.equal(records.length, 0);
    assert.deepEqual(counters, { bad_ip_header: 1, truncated_transport: 1, truncated_ip: 1 });
  });

  it('walks IPv6 extension headers to the transport header', () => {
    const data = ipv6(
      { src: '2001:db8::1', dst: '2001:db8::2', next: 17, ext: [{ type: 0 }, { type: 60 }, { type: 43 }] },
      udp({ sport: 1111, dport: 2222 }, payload(20)),
    );
    const { records } = flowsOf([{ tsNs: T, data, linkType: 229 }]);
    assert.deepEqual([records[0].ip_proto, records[0].src_port, records[0].dst_port], [17, 1111, 2222]);
    assert.equal(records[0].payload_bytes_src, 20);
  });
});

describe('tunnels', () => {
  const innerTcp = seg('192.0.2.10', '198.51.100.20', 33333, 443);
  const outer = (proto: number, body: Uint8Array) =>
    ipv4({ src: '203.0.113.1', dst: '203.0.113.2', proto }, body);
  const cases: [string, Uint8Array, string][] = [
    ['GRE', outer(47, gre({ key: 5 }, innerTcp)), 'gre'],
    ['GRE with Ethernet', outer(47, gre({ protocol: 0x6558 }, ethernet({}, innerTcp))), 'gre'],
    ['IP-in-IP', outer(4, innerTcp), 'ipip'],
    [
      'VXLAN',
      ipUdp(
        { src: '203.0.113.1', dst: '203.0.113.2', sport: 50000, dport: 4789 },
        vxlan({ vni: 42 }, ethernet({}, innerTcp)),
      ),
      'vxlan',
    ],
    [
      'GTP-U',
      ipUdp(
        { src: '203.0.113.1', dst: '203.0.113.2', sport: 2152, dport: 2152 },
        gtpu({ teid: 9, seq: 3 }, innerTcp),
      ),
      'gtpu',
    ],
  ];
  for (const [name, data, kind] of cases) {
    it(`makes the inner flow the flow inside ${name}`, () => {
      const { records } = flowsOf([{ tsNs: T, data: ethernet({}, data), linkType: 1 }]);
      assert.equal(records.length, 1);
      const r = records[0];
      assert.deepEqual(
        [r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.tunnel],
        ['192.0.2.10', '198.51.100.20', 33333, 443, kind],
      );
      assert.equal(r.bytes_src, innerTcp.length);
    });
  }

  it('records 6in4 and keeps the outer flow when the inner packet is not IP', () => {
    const v6 = seg('2001:db8::10', '2001:db8::20', 1000, 2000);
    const six = flowsOf([
      { tsNs: T, data: ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 41 }, v6) },
    ]).records;
    assert.equal(six[0].tunnel, '6in4');
    assert.equal(six[0].src_ip, '2001:db8::10');
    const junk = ipv4(
      { src: '192.0.2.1', dst: '192.0.2.2', proto: 47 },
      gre({ protocol: 0x0800 }, payload(30)),
    );
    const kept = flowsOf([{ tsNs: T, data: junk }]).records;
    assert.deepEqual(
      [kept[0].ip_proto, kept[0].src_ip, kept[0].tunnel, kept[0].src_port],
      [47, '192.0.2.1', null, null],
    );
  });
});

describe('fragments', () => {
  const datagram = udp({ sport: 5353, dport: 9999 }, payload(3000));
  const v4frags = fragmentIPv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 17, id: 77 }, datagram, 1480);

  it('attributes IPv4 fragments to their flow without inventing port-less flows', () => {
    const { records, counters } = flowsOf(v4frags.map((data, i) => ({ tsNs: T + BigInt(i), data })));
    assert.equal(records.length, 1);
    assert.equal(records[0].packets_src, v4frags.length);
    assert.equal(
      records[0].bytes_src,
      v4frags.reduce((s, f) => s + f.length, 0),
    );
    assert.equal(records[0].payload_bytes_src, 3000);
    assert.deepEqual(counters, {});
  });

  it('attributes fragments that arrive before their first fragment', () => {
    const reordered = [v4frags[2], v4frags[1], v4frags[0]];
    const { records } = flowsOf(reordered.map((data, i) => ({ tsNs: T + BigInt(i), data })));
    assert.equal(records.length, 1);
    assert.equal(records[0].packets_src, 3);
    assert.equal(records[0].dst_port, 9999);
  });

  it('labels a DNS response from its first fragment: header and questions, the records cut off', () => {
    // DNSKEY-sized: one 1,900-byte TXT answer, so the first 1,480 bytes end inside it.
    const response = join(
      dnsHeader({ flags: 0x8180, qd: 1, an: 1 }),
      dnsName('big.example'),
      be16(16),
      be16(1),
      dnsRR([0xc0, 12], 16, 300, new Uint8Array(1900).fill(0x41)),
    );
    const frags = fragmentIPv4(
      { src: '193.24.227.238', dst: '172.217.40.76', proto: 17, id: 91 },
      udp({ sport: 53, dport: 56680 }, response),
      1480,
    );
    const d = new PacketDecoder();
    assert.ok(d.decodeAt(101, frags[0], 0, frags[0].length, frags[0].length));
    assert.deepEqual([d.payloadCapLen, d.udpPayloadLen], [1472, response.length]);
    const { records } = flowsOf(frags.map((data, i) => ({ tsNs: T + BigInt(i), data })));
    assert.deepEqual(
      records.map((r) => [r.app, r.packets_src, r.payload_bytes_src]),
      [['dns', 2, response.length]],
    );
    // The same first 1,472 bytes as a whole datagram are not DNS: its records do not parse.
    const alone = ipUdp(
      { src: '193.24.227.238', dst: '172.217.40.76', sport: 53, dport: 56680 },
      response.subarray(0, 1472),
    );
    assert.equal(flowsOf([{ tsNs: T, data: alone }]).records[0].app, 'unknown');
  });

  it('counts fragments whose first fragment never came', () => {
    const { records, counters } = flowsOf([
      { tsNs: T, data: v4frags[1] },
      { tsNs: T, data: v4frags[2] },
    ]);
    assert.equal(records.length, 0);
    assert.deepEqual(counters, { fragment_orphan: 2 });
  });

  it('does not give a fragment train to a later flow that reuses its ended flow', () => {
    // A table of one flow: each new flow ends the one before it, and the third reuses the first's
    // object (Flow.reset) while the first's fragment train is still remembered.
    const other = (sport: number) =>
      ipUdp({ src: '192.0.2.7', dst: '192.0.2.8', sport, dport: 53 }, payload(20));
    const { records, counters } = flowsOf(
      [v4frags[0], other(1000), other(1001), v4frags[1], v4frags[2]].map((data, i) => ({
        tsNs: T + BigInt(i),
        data,
      })),
      { maxFlows: 1 },
    );
    assert.deepEqual(
      records.map((r) => [r.src_port, r.packets_src]),
      [
        [5353, 1],
        [1000, 1],
        [1001, 1],
      ],
    );
    assert.equal(counters.fragment_orphan, 2);
  });

  it('attributes IPv6 fragments (fragment extension header)', () => {
    const frags = fragmentIPv6(
      { src: '2001:db8::1', dst: '2001:db8::2', next: 17, fragId: 5 },
      datagram,
      1232,
    );
    const { records } = flowsOf(frags.map((data, i) => ({ tsNs: T + BigInt(i), data, linkType: 229 })));
    assert.equal(records.length, 1);
    assert.equal(records[0].packets_src, frags.length);
    assert.equal(records[0].src_port, 5353);
  });
});

describe('port-less protocols', () => {
  it('makes ICMP a flow without ports', () => {
    const ping = ipv4(
      { src: '192.0.2.1', dst: '192.0.2.2', proto: 1 },
      icmp({ type: 8, code: 0, id: 1, seq: 1 }, payload(56)),
    );
    const pong = ipv4(
      { src: '192.0.2.2', dst: '192.0.2.1', proto: 1 },
      icmp({ type: 0, code: 0, id: 1, seq: 1 }, payload(56)),
    );
    const { records } = flowsOf([
      { tsNs: T, data: ping },
      { tsNs: T + 1000n, data: pong },
    ]);
    assert.equal(records.length, 1);
    assert.deepEqual(
      [records[0].src_port, records[0].dst_port, records[0].packets_src, records[0].packets_dst],
      [null, null, 1, 1],
    );
    assert.equal(records[0].tcp_state, null);
  });

  it('counts snaplen-cut packets fully from the IP header length', () => {
    const big = seg('192.0.2.1', '192.0.2.2', 1, 2, 'A', payload(1400));
    const { records } = flowsOf([{ tsNs: T, data: big.subarray(0, 64), origLen: big.length }]);
    assert.equal(records[0].bytes_src, big.length);
    assert.equal(records[0].payload_bytes_src, 1400);
  });

  it('reads TCP segments whose IPv4 total length is zero (segmentation offload)', () => {
    const big = seg('192.0.2.1', '192.0.2.2', 1, 2, 'A', payload(3000));
    const tso = big.slice();
    tso[2] = 0;
    tso[3] = 0;
    const { records } = flowsOf([{ tsNs: T, data: tso }]);
    assert.equal(records[0].bytes_src, big.length);
  });
});
