import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPacketRecord } from '../../src/capture/packet.ts';
import { FlowTable } from '../../src/flow/table.ts';
import {
  be16,
  dnsHeader,
  dnsName,
  dnsPtr,
  dnsQuery,
  dnsRR,
  ipTcp,
  ipUdp,
  join,
  tcpConversation,
} from '../../src/testing/index.ts';
import { flowsOf } from './run.ts';

const T = 1_700_000_000_000_000_000n;
const SEC = 1_000_000_000n;
const client = { ip: '192.0.2.50', port: 51000 };
const server = { ip: '198.51.100.80', port: 8080 };
const body = (s: string) => new TextEncoder().encode(s);
const conv = (start: bigint, close: 'fin' | 'rst' | 'none' = 'fin', clientPort = client.port) =>
  tcpConversation({
    client: { ip: client.ip, port: clientPort },
    server,
    startNs: start,
    requests: [body('hello')],
    responses: [body('world!')],
    close,
  }).map((p) => ({ tsNs: p.tsNs, data: p.ipPacket }));
const pkt = (src: typeof client, dst: typeof client, flags: string, t: bigint) => ({
  tsNs: t,
  data: ipTcp({ src: src.ip, dst: dst.ip, sport: src.port, dport: dst.port, flags }, new Uint8Array(0)),
});

const datagram = (from: typeof client, to: typeof client, msg: Uint8Array, t: bigint) => ({
  tsNs: t,
  data: ipUdp({ src: from.ip, dst: to.ip, sport: from.port, dport: to.port }, msg),
});
/** A DNS response answering its one question with one record of `type` (1: A, 28: AAAA). */
const dnsAnswer = (name: string, type: number, addr: number[]) =>
  join(
    dnsHeader({ flags: 0x8180, qd: 1, an: 1 }),
    dnsName(name),
    be16(type),
    be16(1),
    dnsRR(dnsPtr(12), type, 60, addr),
  );

describe('flow table', () => {
  it('counts a TCP conversation both ways with the initiator as source', () => {
    const pkts = conv(T);
    const { records } = flowsOf(pkts);
    assert.equal(records.length, 1);
    const r = records[0];
    assert.deepEqual(
      [r.src_ip, r.src_port, r.dst_ip, r.dst_port],
      [client.ip, client.port, server.ip, server.port],
    );
    assert.equal(r.packets_src + r.packets_dst, pkts.length);
    assert.equal(r.payload_bytes_src, 5);
    assert.equal(r.payload_bytes_dst, 6);
    assert.equal(r.tcp_state, 'SF');
    assert.equal(r.tcp_flags_src, 'FSPA');
    assert.equal(r.first_seen, '2023-11-14T22:13:20.000000000Z');
    assert.ok(r.last_seen > r.first_seen);
  });

  it('takes the initiator from a SYN-ACK seen first (the SYN was missed)', () => {
    const pkts = conv(T).slice(1);
    const { records } = flowsOf(pkts);
    assert.equal(records[0].src_ip, client.ip);
    assert.equal(records[0].tcp_state, 'SHR');
    assert.equal(records[0].src_port, client.port);
  });

  it('names TCP states like Zeek', () => {
    const state = (pkts: ReturnType<typeof pkt>[]) => flowsOf(pkts).records[0].tcp_state;
    assert.equal(state([pkt(client, server, 'S', T)]), 'S0');
    assert.equal(state([pkt(client, server, 'S', T), pkt(server, client, 'RA', T + 1n)]), 'REJ');
    assert.equal(
      state([
        pkt(client, server, 'S', T),
        pkt(server, client, 'SA', T + 1n),
        pkt(client, server, 'A', T + 2n),
      ]),
      'S1',
    );
    assert.equal(
      state([
        pkt(client, server, 'S', T),
        pkt(server, client, 'SA', T + 1n),
        pkt(client, server, 'RA', T + 2n),
      ]),
      'RSTO',
    );
    assert.equal(
      state([
        pkt(client, server, 'S', T),
        pkt(server, client, 'SA', T + 1n),
        pkt(server, client, 'R', T + 2n),
      ]),
      'RSTR',
    );
    assert.equal(
      state([
        pkt(client, server, 'S', T),
        pkt(server, client, 'SA', T + 1n),
        pkt(client, server, 'FA', T + 2n),
      ]),
      'S2',
    );
    assert.equal(state([pkt(client, server, 'S', T), pkt(client, server, 'R', T + 2n)]), 'RSTOS0');
    assert.equal(state([pkt(client, server, 'A', T)]), 'OTH');
    assert.equal(flowsOf(conv(T, 'rst')).records[0].tcp_state, 'RSTO');
  });

  it('starts a new flow when a SYN reuses a closed 5-tuple', () => {
    const { records } = flowsOf([...conv(T), ...conv(T + 2n * SEC)]);
    assert.equal(records.length, 2);
    assert.deepEqual(
      records.map((r) => r.tcp_state),
      ['SF', 'SF'],
    );
    assert.notEqual(records[0].flow_id, records[1].flow_id);
  });

  it('ends UDP flows after the idle timeout', () => {
    const dgram = (t: bigint) => ({
      tsNs: t,
      data: ipUdp({ src: client.ip, dst: server.ip, sport: 5000, dport: 6000 }, body('x')),
    });
    const { records } = flowsOf([dgram(T), dgram(T + 30n * SEC), dgram(T + 100n * SEC)], {
      udpTimeoutSec: 60,
    });
    assert.deepEqual(
      records.map((r) => r.packets_src),
      [2, 1],
    );
    const longer = flowsOf([dgram(T), dgram(T + 30n * SEC), dgram(T + 100n * SEC)], { udpTimeoutSec: 120 });
    assert.equal(longer.records.length, 1);
  });

  it('ends a closed connection seconds after its FIN, and flows that end in one sweep in creation order', () => {
    const dgram = (sport: number, t: bigint) => ({
      tsNs: t,
      data: ipUdp({ src: client.ip, dst: server.ip, sport, dport: 6000 }, body('x')),
    });
    const { records } = flowsOf(
      [
        dgram(5000, T), // U: idle from T, ends after 60 s
        ...conv(T + SEC, 'none', 51001), // O: open, ends after 30 s idle: earlier than U, created later
        ...conv(T + 2n * SEC, 'fin', 51002), // C: closed, ends after 5 s
        dgram(5001, T + 20n * SEC), // the sweep at T+20 s ends C only
        dgram(5001, T + 100n * SEC), // the sweep at T+100 s ends U, O and the T+20 s flow, in that order
      ],
      { udpTimeoutSec: 60, tcpTimeoutSec: 30, tcpCloseSec: 5 },
    );
    assert.deepEqual(
      records.map((r) => `${r.ip_proto}/${r.src_port}/${r.packets_src}`),
      ['6/51002/6', '17/5000/1', '6/51001/4', '17/5001/1', '17/5001/1'],
    );
    assert.equal(records[0].tcp_state, 'SF');
  });

  it('keeps IPv6 flows apart whose address hashes collide (the second is found by its key)', () => {
    // The table keys IPv6 flows by 32-bit hashes of their addresses (flowV6, mixV6 in table.ts):
    // choosing the third word of a second address undoes the difference in its first two.
    const step = (w0: number, w1: number) => {
      const h = Math.imul(w0, 0xcc9e2d51) ^ w1;
      return Math.imul(h ^ (h >>> 15), 0x1b873593);
    };
    const mix = ([w0, w1, w2, w3]: number[]) => {
      let h = step(w0, w1) ^ w2;
      h = Math.imul(h ^ (h >>> 13), 0x85ebca6b) ^ w3;
      h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
      return h ^ (h >>> 15);
    };
    const a = [0x20010db8, 0, 1, 5];
    const b = [0x20010db8, 7, (1 ^ step(a[0], a[1]) ^ step(0x20010db8, 7)) >>> 0, 5];
    assert.equal(mix(b), mix(a), 'the two addresses hash alike');
    const text = (w: number[]) =>
      w.flatMap((x) => [(x >>> 16).toString(16), (x & 0xffff).toString(16)]).join(':');
    const server = '2001:db8:ffff::1';
    const dgram = (src: string, dst: string, t: bigint) => ({
      tsNs: t,
      data: ipUdp(
        { src, dst, sport: src === server ? 53 : 5353, dport: src === server ? 5353 : 53 },
        body('x'),
      ),
    });
    const { records } = flowsOf([
      dgram(text(a), server, T),
      dgram(text(b), server, T + 1n),
      dgram(server, text(a), T + 2n),
      dgram(server, text(b), T + 3n),
      dgram(text(a), server, T + 4n),
    ]);
    assert.equal(records.length, 2);
    const first = records.find((r) => r.src_ip === '2001:db8::1:0:5');
    assert.deepEqual([first?.packets_src, first?.packets_dst], [2, 1]);
    const second = records.find((r) => r !== first);
    assert.notEqual(second?.src_ip, server);
    assert.deepEqual([second?.packets_src, second?.packets_dst], [1, 1]);
  });

  it('flushes active flows periodically, as the same flow updated', () => {
    const dgrams = Array.from({ length: 30 }, (_, i) => ({
      tsNs: T + BigInt(i) * SEC,
      data: ipUdp({ src: client.ip, dst: server.ip, sport: 5000, dport: 6000 }, body('x')),
    }));
    const { records, updates } = flowsOf(dgrams, { activeFlushSec: 10 });
    assert.equal(records.length, 1);
    assert.ok(updates.length >= 2, `expected periodic updates, got ${updates.length}`);
    assert.ok(updates.every((u) => u.flow_id === records[0].flow_id));
    assert.ok(updates[0].packets_src < updates[updates.length - 1].packets_src);
    assert.equal(records[0].packets_src, 30);
  });

  it('caps the table and counts early evictions', () => {
    const dgrams = Array.from({ length: 10 }, (_, i) => ({
      tsNs: T,
      data: ipUdp({ src: client.ip, dst: server.ip, sport: 5000 + i, dport: 6000 }, body('x')),
    }));
    const { records, counters } = flowsOf(dgrams, { maxFlows: 4 });
    assert.equal(records.length, 10);
    assert.equal(counters.evicted_table_full, 6);
  });

  it('evicts the oldest flows first, 1% of the cap at a time, and stays linear far past the cap', {
    timeout: 60_000,
  }, () => {
    // 600,000 UDP flows through a table at its default cap (300,000): evicting one flow at a time
    // looked for the Map's first live entry past every slot deleted before it, minutes for this many.
    const ended: number[] = [];
    const table = new FlowTable((flow) => ended.push(flow.srcPort));
    const packet = ipUdp({ src: client.ip, dst: server.ip, sport: 1, dport: 53 }, body('x'));
    const rec = newPacketRecord();
    rec.linkType = 101;
    rec.capLen = packet.length;
    rec.origLen = packet.length;
    rec.tsSec = 1_700_000_000;
    for (let i = 0; i < 600_000; i++) {
      // Source address and port make each flow new (20 + 0..1 is the UDP source port).
      packet[12] = 10;
      packet[13] = (i >> 16) & 0xff;
      packet[14] = (i >> 8) & 0xff;
      packet[15] = i & 0xff;
      packet[20] = (i >> 8) & 0xff;
      packet[21] = i & 0xff;
      rec.data = packet;
      table.packet(rec);
    }
    // The first flows evicted are the first ones created, in order; each eviction is counted.
    assert.deepEqual(ended.slice(0, 5), [0, 1, 2, 3, 4]);
    assert.equal(table.counters.get('evicted_table_full'), ended.length);
    assert.ok(ended.length >= 300_000 && ended.length < 303_000, `${ended.length} evicted`);
  });

  it('keeps reading DNS answers after the flow is labelled, and names later flows from them', () => {
    const resolver = { ip: '192.0.2.53', port: 53 };
    const app = { ip: '198.51.100.7', port: 443 };
    const { records } = flowsOf([
      // The query labels the flow as DNS; both answers come after inspection has finished.
      datagram(client, resolver, dnsQuery('a.example'), T),
      datagram(resolver, client, dnsAnswer('a.example', 1, [203, 0, 113, 9]), T + SEC / 100n),
      datagram(resolver, client, dnsAnswer('b.example', 1, [198, 51, 100, 7]), T + SEC / 50n),
      // A labelled non-DNS flow: its later payload packets are not inspected and do not change its label.
      ...conv(T + SEC),
      pkt(client, app, 'S', T + 2n * SEC),
    ]);
    const byDst = Object.fromEntries(records.map((r) => [`${r.dst_ip}:${r.dst_port}`, r]));
    assert.equal(byDst['192.0.2.53:53'].app, 'dns');
    assert.equal(byDst['198.51.100.7:443'].server_name, 'b.example');
    assert.equal(byDst[`${server.ip}:${server.port}`].app, 'unknown');
  });

  it('names IPv6 flows from AAAA answers, whichever end sorts first', () => {
    const me = { ip: '2001:db8::50', port: 40000 };
    const resolver = { ip: '2001:db8::53', port: 53 };
    // One server's address sorts before the client's, the other's after it.
    const low = { ip: '2001:db8::7', port: 443 };
    const high = { ip: '2001:db8:ffff::7', port: 443 };
    const v6 = (...groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
    const { records, table } = flowsOf([
      datagram(me, resolver, dnsQuery('low.example'), T),
      datagram(resolver, me, dnsAnswer('low.example', 28, v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)), T + 1n),
      datagram(me, resolver, dnsQuery('high.example'), T + 2n),
      datagram(resolver, me, dnsAnswer('high.example', 28, v6(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 7)), T + 3n),
      pkt(me, low, 'S', T + SEC),
      pkt(me, high, 'S', T + SEC),
    ]);
    const byDst = Object.fromEntries(records.map((r) => [r.dst_ip, r.server_name]));
    assert.equal(byDst['2001:db8::7'], 'low.example');
    assert.equal(byDst['2001:db8:ffff::7'], 'high.example');
    assert.equal(table.dns.nameOf('2001:db8:ffff:0:0:0:0:7'), 'high.example');
    assert.deepEqual([...table.dns.entries()].sort(), [
      ['2001:db8::7', 'low.example'],
      ['2001:db8:ffff::7', 'high.example'],
    ]);
  });
});
