import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DnsRecord, parseDnsAnswers } from '../../src/app/dns.ts';
import {
  be16,
  concat,
  dnsHeader,
  dnsName,
  dnsPtr,
  dnsQuery,
  dnsRR,
  hex,
  inspect,
  TCP,
  UDP,
} from './builders.ts';

/** www.example.com CNAME -> web.example.net CNAME -> edge.cdn.example, which has A and AAAA records. */
function cnameChainResponse(): Uint8Array {
  const header = dnsHeader({ flags: 0x8180, qd: 1, an: 4 });
  const question = concat(dnsName('WWW.Example.COM'), be16(1), be16(1)); // at offset 12
  const q = 12;
  // Answer 1 at offset 12 + question.length: www.example.com CNAME web.example.net
  const a1Start = 12 + question.length;
  const a1Target = concat(dnsName('web.example.net'));
  const a1 = dnsRR(dnsPtr(q), 5, 300, a1Target);
  const webAt = a1Start + 2 + 10; // rdata of answer 1 (owner is a 2-byte pointer)
  // Answer 2: web.example.net CNAME edge.cdn + pointer into "example" ... use a suffix pointer to "example.net"?
  // Keep it simple but compressed: "edge.cdn" + pointer to "example.com" suffix of the question (offset q + 4).
  const a2Target = concat([4], hex('65646765'), [3], hex('63646e'), dnsPtr(q + 4));
  const a2 = dnsRR(dnsPtr(webAt), 5, 60, a2Target);
  const edgeAt = a1Start + a1.length + 2 + 10;
  const a3 = dnsRR(dnsPtr(edgeAt), 1, 20, [192, 0, 2, 7]);
  const a4 = dnsRR(dnsPtr(edgeAt), 28, 0xfffffff0, hex('20010db8000000000000000000000001'));
  return concat(header, question, a1, a2, a3, a4);
}

function collect(
  b: Uint8Array,
  tcp = false,
  start?: number,
  stop?: number,
): { ok: boolean; records: DnsRecord[] } {
  const records: DnsRecord[] = [];
  // As plain objects: what a consumer reads (an address's text is made when asked for).
  const ok = parseDnsAnswers(
    b,
    tcp,
    (r) => records.push({ name: r.name, type: r.type, value: r.value, ttl: r.ttl, addr4: r.addr4 }),
    start,
    stop,
  );
  return { ok, records };
}

test('CNAME chain with A and AAAA, compressed names, canonical IPv6', () => {
  const { ok, records } = collect(cnameChainResponse());
  assert.equal(ok, true);
  assert.deepEqual(records, [
    { name: 'www.example.com', type: 'CNAME', value: 'web.example.net', ttl: 300, addr4: -1 },
    { name: 'web.example.net', type: 'CNAME', value: 'edge.cdn.example.com', ttl: 60, addr4: -1 },
    { name: 'edge.cdn.example.com', type: 'A', value: '192.0.2.7', ttl: 20, addr4: 0xc0000207 },
    { name: 'edge.cdn.example.com', type: 'AAAA', value: '2001:db8::1', ttl: 0xfffffff0, addr4: -1 },
  ]);
});

test('a message read in place, inside a larger buffer, as if it stood alone', () => {
  const msg = cnameChainResponse();
  // Bytes either side that a parse must not read: a pointer or a length taken from them would show.
  const junk = new Uint8Array(37).fill(0xc0);
  for (const tcp of [false, true]) {
    const framed = tcp ? concat(be16(msg.length), msg) : msg;
    const inside = concat(junk, framed, junk);
    const start = junk.length;
    assert.deepEqual(collect(inside, tcp, start, start + framed.length), collect(framed, tcp));
    assert.equal(collect(inside, tcp, start, start + framed.length).records.length, 4);
    // Cut one byte short: not a whole message any more, whatever follows in the buffer.
    assert.equal(collect(inside, tcp, start, start + framed.length - 1).ok, false);
  }
});

test('TCP framing with the 2-byte length prefix', () => {
  const msg = cnameChainResponse();
  const { ok, records } = collect(concat(be16(msg.length), msg), true);
  assert.equal(ok, true);
  assert.equal(records.length, 4);
  // Length prefix longer than the bytes present.
  assert.equal(collect(concat(be16(msg.length + 1), msg), true).ok, false);
  assert.equal(collect(Uint8Array.from([0]), true).ok, false);
});

test('queries and error responses are well-formed but yield no records', () => {
  assert.deepEqual(collect(dnsQuery('example.com')), { ok: true, records: [] });
  const nx = concat(dnsHeader({ flags: 0x8183, qd: 1 }), dnsName('nope.example'), be16(1), be16(1));
  assert.deepEqual(collect(nx), { ok: true, records: [] });
});

test('compression loops and bad pointers are rejected', () => {
  // Answer owner is a pointer to itself.
  const header = dnsHeader({ flags: 0x8180, qd: 1, an: 1 });
  const question = concat(dnsName('a.example'), be16(1), be16(1));
  const selfAt = 12 + question.length;
  const loop = concat(header, question, dnsRR(dnsPtr(selfAt), 1, 1, [1, 2, 3, 4]));
  assert.equal(collect(loop).ok, false);
  // Two labels pointing at each other: "x" + ptr(back to x).
  const twoStep = concat(
    header,
    question,
    [1, 0x78],
    dnsPtr(selfAt),
    be16(1),
    be16(1),
    [0, 0, 0, 1],
    be16(4),
    [1, 2, 3, 4],
  );
  assert.equal(collect(twoStep).ok, false);
  // Forward pointer.
  const forward = concat(
    header,
    question,
    dnsPtr(0x3fff),
    be16(1),
    be16(1),
    [0, 0, 0, 1],
    be16(4),
    [1, 2, 3, 4],
  );
  assert.equal(collect(forward).ok, false);
  // Reserved label type 0x40.
  const reserved = concat(dnsHeader({ flags: 0x0100, qd: 1 }), [0x41, 0x61, 0], be16(1), be16(1));
  assert.equal(collect(reserved).ok, false);
});

test('malformed messages are rejected', () => {
  const good = cnameChainResponse();
  assert.equal(collect(good.subarray(0, 11)).ok, false);
  assert.equal(collect(good.subarray(0, good.length - 3)).ok, false); // cut inside the last record
  const counts = Uint8Array.from(good);
  counts[7] = 200; // ancount far beyond the length
  assert.equal(collect(counts).ok, false);
  // A name longer than 255 bytes.
  const long = `${'a'.repeat(63)}.`.repeat(4) + 'b';
  assert.equal(collect(dnsQuery(long)).ok, false);
});

test('truncated (TC) responses still yield their complete answers', () => {
  const header = dnsHeader({ flags: 0x8380, qd: 1, an: 2 });
  const question = concat(dnsName('t.example'), be16(1), be16(1));
  const a = dnsRR(dnsPtr(12), 1, 5, [10, 0, 0, 1]);
  const cut = dnsRR(dnsPtr(12), 1, 5, [10, 0, 0, 2]).subarray(0, 6);
  const { ok, records } = collect(concat(header, question, a, cut));
  assert.equal(ok, true);
  assert.deepEqual(records, [{ name: 't.example', type: 'A', value: '10.0.0.1', ttl: 5, addr4: 0x0a000001 }]);
});

test('odd label bytes are escaped', () => {
  const header = dnsHeader({ flags: 0x8180, qd: 0, an: 1 });
  const owner = concat([3, 0x61, 0x2e, 0x20], dnsName('example'));
  const { records } = collect(concat(header, dnsRR(owner, 1, 1, [1, 1, 1, 1])));
  assert.equal(records[0].name, 'a\\.\\032.example');
});

test('inspector labels DNS, mDNS, LLMNR and DNS over TCP', () => {
  const q = dnsQuery('example.com');
  assert.equal(inspect(UDP, 40000, 53, [[q, true]]).result.app, 'dns');
  assert.equal(inspect(UDP, 40000, 53, [[q, true]]).finishedAt, 1);
  // DNS on an unusual port is still DNS: the payload decides.
  assert.equal(inspect(UDP, 40000, 5300, [[q, true]]).result.app, 'dns');
  assert.equal(inspect(UDP, 5353, 5353, [[dnsQuery('printer.local', 12, 0), true]]).result.app, 'mdns');
  // mDNS announcement: a response with no question.
  const announce = concat(
    dnsHeader({ flags: 0x8400, qd: 0, an: 1 }),
    dnsRR(dnsName('printer.local'), 1, 120, [192, 168, 1, 9]),
  );
  assert.equal(inspect(UDP, 5353, 5353, [[announce, false]]).result.app, 'mdns');
  assert.equal(inspect(UDP, 50000, 5355, [[dnsQuery('host', 28, 0), true]]).result.app, 'llmnr');
  const tcpMsg = concat(be16(q.length), q);
  assert.equal(inspect(TCP, 40000, 53, [[tcpMsg, true]]).result.app, 'dns');
  // Length prefix written on its own, then the message in two segments.
  const r = inspect(TCP, 40000, 53, [
    [tcpMsg.subarray(0, 2), true],
    [tcpMsg.subarray(2, 16), true],
    [tcpMsg.subarray(16), true],
  ]);
  assert.deepEqual([r.result.app, r.finishedAt], ['dns', 3]);
  // Server-only: a response.
  const resp = cnameChainResponse();
  assert.equal(inspect(TCP, 40000, 53, [[concat(be16(resp.length), resp), false]]).result.app, 'dns');
});

test("dnscrypt-proxy's padding: a last additional record of type 0, class 0, to the end of the message", () => {
  /** A TXT query for the resolver's certificate, then `records` in the additional section. */
  const certQuery = (...records: Uint8Array[]) =>
    concat(
      dnsHeader({ flags: 0x0100, qd: 1, ar: records.length }),
      dnsName('2.dnscrypt-cert.ns2.example'),
      be16(16),
      be16(1),
      ...records,
    );
  /** Root owner, type, class, TTL 0, `n` bytes of zeros. */
  const rr = (type: number, cls: number, n: number) =>
    concat([0], be16(type), be16(cls), be16(0), be16(0), be16(n), new Uint8Array(n));
  const label = (d: Uint8Array) => inspect(UDP, 49518, 1053, [[d, true]]).result.app;
  assert.equal(label(certQuery(rr(0, 0, 420))), 'dns');
  assert.equal(
    parseDnsAnswers(certQuery(rr(0, 0, 420)), false, () => {}),
    true,
  );
  // Anything else of type 0 stays refused.
  assert.equal(label(concat(certQuery(rr(0, 0, 420)), [0])), 'unknown', 'not reaching the end');
  assert.equal(label(certQuery(rr(0, 1, 420))), 'unknown', 'class IN');
  assert.equal(label(certQuery(rr(0, 0, 20), rr(41, 512, 0))), 'unknown', 'not the last record');
  const inAnswers = concat(
    dnsHeader({ flags: 0x8180, qd: 1, an: 1 }),
    dnsName('x.example'),
    be16(1),
    be16(1),
    rr(0, 0, 16),
  );
  assert.equal(label(inAnswers), 'unknown', 'an answer of type 0');
});

test('inspector does not label DNS-like junk', () => {
  const header = dnsHeader({ flags: 0x0100, qd: 1 });
  assert.equal(inspect(UDP, 1, 2, [[concat(header, [0xff, 0xff, 0xff]), true]]).result.app, 'unknown');
  const zero = new Uint8Array(40);
  assert.equal(inspect(UDP, 1, 2, [[zero, true]]).result.app, 'unknown');
});

test('names with bytes that need escaping come out as master-file text, through compression pointers too', () => {
  const header = dnsHeader({ flags: 0x8180, qd: 1, an: 2 });
  // Labels "A.b" (a dot inside), "C\\d" (a backslash), "e f" (a space) and 0xff, then "Example.COM".
  const question = concat(
    [3],
    hex('412e62'),
    [3],
    hex('435c64'),
    [3],
    hex('652066'),
    [1],
    [0xff],
    dnsName('Example.COM'),
    be16(1),
    be16(1),
  );
  const a1 = dnsRR(dnsPtr(12), 1, 60, [192, 0, 2, 1]);
  // "WWW" then a pointer to the plain "example.com" suffix of the question.
  const suffixAt = 12 + 4 + 4 + 4 + 2;
  const a2 = dnsRR(dnsPtr(12), 5, 60, concat([3], hex('575757'), dnsPtr(suffixAt)));
  const { ok, records } = collect(concat(header, question, a1, a2));
  assert.equal(ok, true);
  const name = 'a\\.b.c\\\\d.e\\032f.\\255.example.com';
  assert.deepEqual(records, [
    { name, type: 'A', value: '192.0.2.1', ttl: 60, addr4: 0xc0000201 },
    { name, type: 'CNAME', value: 'www.example.com', ttl: 60, addr4: -1 },
  ]);
});
