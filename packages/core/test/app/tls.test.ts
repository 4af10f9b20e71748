import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectHandshake, isGrease, parseClientHello, parseServerHello } from '../../src/app/tls.ts';
import { clientHello, concat, inspect, serverHello, split, TCP, tlsRecords } from './builders.ts';

test('ClientHello: SNI, ALPN, supported_versions', () => {
  const h = parseClientHello(
    clientHello({ sni: 'WWW.Example.com', alpn: ['h2', 'http/1.1'], versions: [0x0304, 0x0303] }),
  );
  assert.deepEqual(h, { serverName: 'www.example.com', alpn: ['h2', 'http/1.1'], version: '1.3' });
});

test('GREASE in supported_versions is skipped; the highest real version wins', () => {
  const h = parseClientHello(clientHello({ sni: 'a.example', versions: [0x7a7a, 0x0303, 0x0304, 0xfafa] }));
  assert.equal(h?.version, '1.3');
  const h12 = parseClientHello(clientHello({ sni: 'a.example', versions: [0x2a2a, 0x0302, 0x0303] }));
  assert.equal(h12?.version, '1.2');
  assert.equal(isGrease(0x1a1a), true);
  assert.equal(isGrease(0x1a2a), false);
  assert.equal(isGrease(0x0304), false);
});

test('without supported_versions the hello version is used; old hellos may lack extensions', () => {
  assert.equal(parseClientHello(clientHello({ sni: 'x.example', legacyVersion: 0x0302 }))?.version, '1.1');
  assert.deepEqual(parseClientHello(clientHello({ legacyVersion: 0x0300, noExtensions: true })), {
    serverName: null,
    alpn: null,
    version: 'ssl3',
  });
});

test('ServerHello: selected version and ALPN', () => {
  assert.deepEqual(parseServerHello(serverHello({ selected: 0x0304 })), {
    serverName: null,
    alpn: null,
    version: '1.3',
  });
  assert.deepEqual(parseServerHello(serverHello({ alpn: 'h2' })), {
    serverName: null,
    alpn: ['h2'],
    version: '1.2',
  });
});

test('malformed hellos are rejected', () => {
  const ch = clientHello({ sni: 'a.example', alpn: ['h2'] });
  assert.equal(parseClientHello(ch.subarray(0, ch.length - 1)), null);
  const badSid = Uint8Array.from(ch);
  badSid[4 + 34] = 33; // session id length > 32
  assert.equal(parseClientHello(badSid), null);
  // Extensions block length (after version, random, session id, 3 cipher suites, 1 compression method).
  const extLenAt = 4 + 2 + 32 + 1 + 32 + 2 + 6 + 1 + 1;
  const badExt = Uint8Array.from(ch);
  badExt[extLenAt] = 0xff;
  assert.equal(parseClientHello(badExt), null);
  const badInner = Uint8Array.from(ch);
  badInner[extLenAt + 2 + 2] = 0xff; // first extension's length overruns the block
  assert.equal(parseClientHello(badInner), null);
  assert.equal(parseServerHello(ch), null);
  assert.equal(parseClientHello(new Uint8Array(0)), null);
});

test('collectHandshake: zero-copy in one record, reassembled across records and segments', () => {
  const ch = clientHello({ sni: 'multi.example', keyShareBytes: 1248 });
  const one = tlsRecords(ch);
  const r1 = collectHandshake(one, 1);
  assert.equal(r1.status, 'ok');
  assert.equal(r1.msg?.buffer, one.buffer);
  // Record fragments of 500 bytes; the handshake header itself is in the first one.
  const many = tlsRecords(ch, 500);
  const r2 = collectHandshake(many, 1);
  assert.equal(r2.status, 'ok');
  assert.deepEqual(r2.msg, ch);
  // Handshake header split across records (2-byte fragments first).
  const tiny = concat(tlsRecords(ch.subarray(0, 2)), tlsRecords(ch.subarray(2)));
  assert.deepEqual(collectHandshake(tiny, 1).msg, ch);
  assert.equal(collectHandshake(many.subarray(0, 700), 1).status, 'partial');
  assert.equal(collectHandshake(Uint8Array.from([0x17, 3, 3, 0, 5]), 1).status, 'invalid');
  assert.equal(collectHandshake(tlsRecords(ch), 2).status, 'invalid');
});

test('inspector: ClientHello in one segment', () => {
  const r = inspect(TCP, 50000, 443, [
    [tlsRecords(clientHello({ sni: 'one.example', alpn: ['h2'], versions: [0x0304] })), true],
  ]);
  assert.deepEqual(r.result, {
    app: 'tls',
    serverName: 'one.example',
    alpn: ['h2'],
    tlsVersion: '1.3',
    quicVersion: null,
  });
  assert.equal(r.finishedAt, 1);
});

test('inspector: post-quantum sized ClientHello split across 3 TCP segments (SNI at the end)', () => {
  const ch = clientHello({
    sni: 'pq.example',
    alpn: ['h2', 'http/1.1'],
    versions: [0x3a3a, 0x0304, 0x0303],
    keyShareBytes: 1248,
    sniLast: true,
  });
  assert.ok(ch.length > 1400);
  const segs = split(tlsRecords(ch), 3);
  assert.equal(segs.length, 3);
  const r = inspect(
    TCP,
    50000,
    443,
    segs.map((s) => [s, true]),
  );
  assert.equal(r.finishedAt, 3);
  assert.deepEqual(r.result, {
    app: 'tls',
    serverName: 'pq.example',
    alpn: ['h2', 'http/1.1'],
    tlsVersion: '1.3',
    quicVersion: null,
  });
});

test('inspector: ClientHello across several records and segments, interleaved with nothing from the server', () => {
  const ch = clientHello({ sni: 'records.example', versions: [0x0304], keyShareBytes: 1600 });
  const segs = split(tlsRecords(ch, 700), 4);
  const r = inspect(
    TCP,
    50000,
    443,
    segs.map((s) => [s, true]),
  );
  assert.equal(r.result.serverName, 'records.example');
  assert.equal(r.finishedAt, segs.length);
});

test('inspector: server side only (ServerHello)', () => {
  const r = inspect(TCP, 50000, 443, [[tlsRecords(serverHello({ selected: 0x0304 })), false]]);
  assert.deepEqual(r.result, {
    app: 'tls',
    serverName: null,
    alpn: null,
    tlsVersion: '1.3',
    quicVersion: null,
  });
  assert.equal(r.finishedAt, 1);
  const r12 = inspect(TCP, 50000, 443, [[tlsRecords(serverHello({ alpn: 'http/1.1' })), false]]);
  assert.deepEqual([r12.result.tlsVersion, r12.result.alpn], ['1.2', ['http/1.1']]);
});

test('inspector: truncated TLS and TLS look-alikes are not labelled', () => {
  const ch = tlsRecords(clientHello({ sni: 'cut.example' }));
  // Connection shows only the first 20 bytes of the ClientHello, then unrelated data.
  const r = inspect(TCP, 50000, 443, [
    [ch.subarray(0, 20), true],
    ...Array.from({ length: 8 }, (): [Uint8Array, boolean] => [new Uint8Array(100).fill(0x41), false]),
  ]);
  assert.equal(r.result.app, 'unknown');
  assert.ok(r.finishedAt > 0 && r.finishedAt <= 8);
  // Record header with a bad version, or a handshake type that is not a hello.
  assert.equal(
    inspect(TCP, 1, 2, [[Uint8Array.from([0x16, 3, 9, 0, 4, 1, 0, 0, 0]), true]]).result.app,
    'unknown',
  );
  const notHello = concat([0x16, 3, 1, 0, 8], [11, 0, 0, 4, 0, 0, 0, 0]);
  assert.equal(
    inspect(
      TCP,
      1,
      2,
      Array.from({ length: 8 }, () => [notHello, true] as [Uint8Array, boolean]),
    ).result.app,
    'unknown',
  );
});

test('inspector: a ClientHello cut by the packet budget is labelled from what arrived', () => {
  const ch = tlsRecords(clientHello({ sni: 'early.example', keyShareBytes: 4000, sniLast: false }));
  const segs = split(ch.subarray(0, 1200), 8);
  const r = inspect(
    TCP,
    50000,
    443,
    segs.map((s) => [s, true]),
  );
  assert.equal(r.finishedAt, 8);
  assert.equal(r.result.app, 'tls');
  assert.equal(r.result.serverName, 'early.example');
});
