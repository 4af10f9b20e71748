import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
// the package entry point, to check the index re-exports everything the tests use
import {
  type ConversationPacket,
  frame,
  framed,
  LINKTYPE,
  mergeByTime,
  tcpConversation,
  udpExchange,
  writePcap,
} from '@capstream/core/testing';
import { tempDir, tsharkFields, tsharkProblems } from './tools.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const T0 = 1_700_000_000_000_000_000n;

const v4 = tcpConversation({
  client: { ip: '10.1.0.1', port: 40001 },
  server: { ip: '10.2.0.1', port: 45000 },
  startNs: T0,
  requests: [bytes(100), bytes(3000, 1)],
  responses: [bytes(5000, 2)],
});
const v6 = tcpConversation({
  client: { ip: '2001:db8::10', port: 40002 },
  server: { ip: '2001:db8::20', port: 45000 },
  startNs: T0 + 1_000_000n,
  requests: [bytes(10)],
  responses: [bytes(1500)],
  close: 'rst',
  mss: 1000,
  rttNs: 2_000_000n,
  isn: { client: 0xfffffff0, server: 0 }, // the client's sequence numbers wrap
});
const open = tcpConversation({
  client: { ip: '10.1.0.2', port: 40003 },
  server: { ip: '10.2.0.1', port: 45000 },
  startNs: T0 + 2_000_000n,
  requests: [bytes(1)],
  close: 'none',
});
const dns = udpExchange({
  client: { ip: '10.1.0.3', port: 40004 },
  server: { ip: '10.2.0.2', port: 45053 },
  startNs: T0 + 3_000_000n,
  requests: [bytes(30), bytes(31)],
  responses: [bytes(60)],
});
const dns6 = udpExchange({
  client: { ip: '2001:db8::30', port: 40005 },
  server: { ip: '2001:db8::40', port: 45053 },
  startNs: T0 + 4_000_000n,
  requests: [bytes(30)],
  responses: [bytes(60)],
});

const sorted = (ps: ConversationPacket[]) => ps.every((p, i) => i === 0 || ps[i - 1].tsNs <= p.tsNs);

describe('conversation shapes', () => {
  test('handshake, segmentation by mss, delayed ACKs, FIN exchange; time ordered', () => {
    assert.ok(sorted(v4));
    assert.equal(v4[0].tsNs, T0);
    // SYN, SYN-ACK, ACK | req0: 1 seg + ACK | resp0: 4 segs + 2 ACKs | req1: 3 segs + 2 ACKs | FIN, FIN-ACK, ACK
    assert.equal(v4.length, 3 + 2 + 6 + 5 + 3);
    assert.deepEqual(
      v4.slice(0, 3).map((p) => p.fromClient),
      [true, false, true],
    );
    assert.ok(sorted(v6) && sorted(open) && sorted(dns));
    assert.equal(v6.at(-1)?.fromClient, true);
    assert.equal(dns.length, 3);
  });

  test('frame() supports the listed link types and rejects others', () => {
    const ipPacket = v4[0].ipPacket;
    const sizes = [0, 1, 101, 108, 113, 228, 229, 276].map(
      (lt) => frame(lt, ipPacket).length - ipPacket.length,
    );
    assert.deepEqual(sizes, [4, 14, 0, 4, 16, 0, 0, 20]);
    assert.throws(() => frame(9999, ipPacket), /unsupported link type/);
  });
});

describe('conversations decoded by tshark with full TCP analysis', () => {
  const all = mergeByTime(v4, v6, open, dns, dns6);
  const file = tmp.file(
    'conv.pcap',
    writePcap({ linkType: LINKTYPE.ETHERNET, resolution: 'ns' }, framed(1, all)),
  );

  test('no analysis warnings, bad checksums or malformed packets', () => {
    // tshark rates every RST as a warning ("Connection reset"); that is the only one allowed
    const rst = all.indexOf(v6[v6.length - 1]) + 1;
    assert.deepEqual(tsharkProblems(file), [rst]);
    const flagged = tsharkFields(file, ['frame.number'], ['-Y', 'tcp.analysis.flags']);
    assert.deepEqual(flagged, []);
  });

  test('streams are complete, byte counts match, timestamps exact', () => {
    // two passes, so that every frame shows the final completeness of its stream
    const fields = [
      'frame.time_epoch',
      'tcp.stream',
      'tcp.completeness',
      'tcp.len',
      'tcp.srcport',
      'udp.stream',
      'udp.length',
    ];
    const rows = tsharkFields(file, fields, ['-2']);
    assert.equal(rows.length, all.length);
    assert.deepEqual(
      rows.map((r) => r[0]),
      all.map((p) => `${p.tsNs / 1_000_000_000n}.${(p.tsNs % 1_000_000_000n).toString().padStart(9, '0')}`),
    );
    const completeness = new Map<string, string>();
    const sent = new Map<string, number>();
    for (const r of rows) {
      if (!r[1]) continue;
      completeness.set(r[1], r[2]);
      const key = `${r[1]}/${r[4]}`;
      sent.set(key, (sent.get(key) ?? 0) + Number(r[3]));
    }
    // 31 = SYN, SYN-ACK, ACK, data, FIN; 47 = ... RST instead of FIN; 15 = no close
    assert.deepEqual(Object.fromEntries(completeness), { '0': '31', '1': '47', '2': '15' });
    assert.deepEqual(Object.fromEntries(sent), {
      '0/40001': 3100,
      '0/45000': 5000,
      '1/40002': 10,
      '1/45000': 1500,
      '2/40003': 1,
      '2/45000': 0,
    });
    const udpLens = rows
      .filter((r) => r[5])
      .map((r) => `${r[5]}:${r[6]}`)
      .sort();
    assert.deepEqual(udpLens, ['0:38', '0:39', '0:68', '1:38', '1:68']);
  });
});
