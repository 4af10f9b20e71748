import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDnsAnswers } from '../../src/app/dns.ts';
import { AppInspector, MAX_PACKETS } from '../../src/app/inspector.ts';
import {
  ascii,
  be16,
  clientHello,
  concat,
  cryptoFrame,
  dnsQuery,
  dtlsRecord,
  gquicClientPacket,
  hex,
  protectedInitial,
  randomBytes,
  rng,
  serverHello,
  TCP,
  tlsRecords,
  UDP,
} from './builders.ts';
import { RFC9001_A2_CLIENT_INITIAL } from './quic-vectors.ts';

const seeds: Uint8Array[] = [
  tlsRecords(
    clientHello({ sni: 'fuzz.example', alpn: ['h2'], versions: [0x0a0a, 0x0304], keyShareBytes: 300 }),
  ),
  tlsRecords(serverHello({ selected: 0x0304, alpn: 'h2' })),
  hex(RFC9001_A2_CLIENT_INITIAL),
  protectedInitial({
    dcid: hex('0102030405060708'),
    pn: 1,
    frames: cryptoFrame(0, clientHello({ sni: 'q.example' })),
  }),
  dnsQuery('www.example.com'),
  concat(be16(29), dnsQuery('www.example.com')),
  hex(
    '1234818000010002000000000377777707657861d706c6503636f6d0000010001c00c000500010000012c0002c010c010000100010000003c0004c0000201',
  ),
  ascii('GET / HTTP/1.1\r\nHost: fuzz.example\r\n\r\n'),
  ascii('HTTP/1.1 200 OK\r\n\r\n'),
  ascii('SSH-2.0-OpenSSH_9.6\r\n'),
  ascii('220 mx.example ESMTP\r\n'),
  ascii('INVITE sip:a@b.example SIP/2.0\r\n\r\n'),
  ascii('* OK IMAP ready\r\n'),
  concat([0, 0, 0, 64, 0xfe], ascii('SMB'), new Uint8Array(60)),
  concat([3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0]),
  gquicClientPacket(),
  dtlsRecord(
    clientHello({ legacyVersion: 0xfefd, cookie: new Uint8Array(8), sni: 'd.example', alpn: ['webrtc'] }),
  ),
  ascii('GNUTELLA CONNECT/0.6\r\nUser-Agent: fuzz\r\n\r\n'),
  concat(
    [0x90, 0, 0, 7, 0, 0, 0, 160, 0x12, 0x34, 0xab, 0xcd, 0xbe, 0xde, 0, 1, 0, 0, 0, 0],
    new Uint8Array(160),
  ),
];

function mutate(next: () => number, seed: Uint8Array): Uint8Array {
  const b = Uint8Array.from(seed);
  const kind = next() % 4;
  if (kind === 0) {
    const flips = 1 + (next() % 8);
    for (let i = 0; i < flips && b.length > 0; i++) b[next() % b.length] = next() & 0xff;
    return b;
  }
  if (kind === 1) return b.subarray(0, next() % (b.length + 1));
  if (kind === 2) {
    // Overwrite a length-looking byte pair with an extreme value.
    if (b.length > 2) {
      const at = next() % (b.length - 1);
      b[at] = next() & 1 ? 0xff : 0x00;
      b[at + 1] = next() & 1 ? 0xff : 0x00;
    }
    return b;
  }
  return concat(b.subarray(0, next() % (b.length + 1)), randomBytes(next, next() % 64));
}

test('20k random and mutated payloads: no throw, bounded by the packet budget', () => {
  const next = rng(0xc0ffee);
  let labelled = 0;
  for (let i = 0; i < 20000; i++) {
    const proto = next() & 1 ? TCP : UDP;
    const ports = [53, 80, 443, 123, 5353, 5060, 21, 25, 137, 546, 1900, 161, 40000];
    const ins = new AppInspector(proto, 40000 + (next() % 1000), ports[next() % ports.length]);
    let finishedAt = -1;
    for (let p = 1; p <= 12; p++) {
      const useSeed = next() % 3 !== 0;
      const payload = useSeed
        ? mutate(next, seeds[next() % seeds.length])
        : randomBytes(next, 1 + (next() % (next() & 1 ? 64 : 1500)));
      if (payload.length === 0) continue;
      const done = ins.push(payload, (next() & 3) !== 0);
      const r = ins.result;
      assert.equal(typeof r.app, 'string');
      if (done) {
        finishedAt = p;
        break;
      }
      // DNS parsing on the same bytes must not throw either.
      parseDnsAnswers(payload, proto === TCP, () => {});
    }
    assert.ok(finishedAt !== -1, 'finished within the budget');
    if (ins.result.app !== 'unknown') labelled++;
  }
  assert.ok(labelled > 0);
});

test('parseDnsAnswers on random and mutated DNS messages', () => {
  const next = rng(42);
  const base = seeds[6];
  for (let i = 0; i < 20000; i++) {
    const b = i % 2 === 0 ? mutate(next, base) : randomBytes(next, next() % 600);
    const records: unknown[] = [];
    const ok = parseDnsAnswers(b, i % 5 === 0, (r) => records.push(r));
    assert.equal(typeof ok, 'boolean');
    if (!ok) assert.equal(records.length, 0);
  }
});

test('payloads per flow before finishing never exceed MAX_PACKETS', () => {
  const next = rng(7);
  for (let i = 0; i < 2000; i++) {
    const ins = new AppInspector(next() & 1 ? TCP : UDP, 1, 2);
    let n = 0;
    while (!ins.push(randomBytes(next, 1 + (next() % 200)), (next() & 1) === 0)) n++;
    assert.ok(n + 1 <= MAX_PACKETS);
  }
});
