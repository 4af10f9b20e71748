import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isKnownQuicVersion,
  QUIC_HELLO,
  QUIC_NO,
  QUIC_YES,
  QuicInspector,
  quicVersionName,
} from '../../src/app/quic.ts';
import { deriveInitialKeys } from '../../src/app/quic-crypto.ts';
import { clientHello, concat, cryptoFrame, hex, inspect, protectedInitial, UDP } from './builders.ts';
import {
  RFC9001_A2_CLIENT_INITIAL,
  RFC9001_CLIENT_KEYS,
  RFC9369_A2_CLIENT_INITIAL,
  RFC9369_CLIENT_KEYS,
} from './quic-vectors.ts';

const DCID = hex('8394c8f03e515708');

test('Initial key derivation matches RFC 9001 A.1 and RFC 9369 A.1', () => {
  const v1 = deriveInitialKeys(1, DCID, 'client');
  assert.deepEqual(
    { key: v1?.key.toString('hex'), iv: v1?.iv.toString('hex'), hp: v1?.hp.toString('hex') },
    RFC9001_CLIENT_KEYS,
  );
  const v2 = deriveInitialKeys(0x6b3343cf, DCID, 'client');
  assert.deepEqual(
    { key: v2?.key.toString('hex'), iv: v2?.iv.toString('hex'), hp: v2?.hp.toString('hex') },
    RFC9369_CLIENT_KEYS,
  );
  assert.equal(deriveInitialKeys(0x51303530, DCID, 'client'), null);
});

test('RFC 9001 A.2 client Initial decodes to SNI example.com', () => {
  const r = inspect(UDP, 50000, 443, [[hex(RFC9001_A2_CLIENT_INITIAL), true]]);
  assert.deepEqual(r.result, {
    app: 'quic',
    serverName: 'example.com',
    alpn: ['alpn'],
    tlsVersion: '1.3',
    quicVersion: '1',
  });
  assert.equal(r.finishedAt, 1);
});

test('RFC 9369 A.2 (QUIC v2) client Initial decodes to SNI example.com', () => {
  const r = inspect(UDP, 50000, 443, [[hex(RFC9369_A2_CLIENT_INITIAL), true]]);
  assert.deepEqual(
    [r.result.app, r.result.serverName, r.result.quicVersion, r.finishedAt],
    ['quic', 'example.com', '2', 1],
  );
});

test('a corrupted Initial is still labelled quic, without a name', () => {
  const bad = hex(RFC9001_A2_CLIENT_INITIAL);
  bad[600] ^= 1;
  const q = new QuicInspector();
  assert.equal(q.push(bad, true), QUIC_YES);
  const r = inspect(UDP, 50000, 443, [[bad, true]]);
  assert.deepEqual(
    [r.result.app, r.result.serverName, r.result.quicVersion, r.finishedAt],
    ['quic', null, '1', -1],
  );
});

test('CRYPTO frames split over two Initial packets arriving in reverse order', () => {
  const ch = clientHello({ sni: 'split.example', alpn: ['h3'], versions: [0x0304], keyShareBytes: 1248 });
  const dcid = hex('0011223344556677');
  const cut = 700;
  const first = protectedInitial({ dcid, pn: 0, frames: cryptoFrame(0, ch.subarray(0, cut)), padTo: 1200 });
  const second = protectedInitial({ dcid, pn: 1, frames: cryptoFrame(cut, ch.subarray(cut)), padTo: 1250 });
  const r = inspect(UDP, 50000, 443, [
    [second, true],
    [first, true],
  ]);
  assert.deepEqual(r.result, {
    app: 'quic',
    serverName: 'split.example',
    alpn: ['h3'],
    tlsVersion: '1.3',
    quicVersion: '1',
  });
  assert.equal(r.finishedAt, 2);
});

test('CRYPTO frames shuffled inside one packet, with PING, PADDING and ACK frames (v2)', () => {
  const ch = clientHello({ sni: 'shuffle.example', versions: [0x0304] });
  const a = ch.subarray(0, 40);
  const b = ch.subarray(40, 90);
  const c = ch.subarray(90);
  const frames = concat(
    cryptoFrame(90, c),
    [0x01, 0x00, 0x00],
    [0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00], // ACK with one extra range
    cryptoFrame(0, a),
    [0x01],
    cryptoFrame(40, b),
  );
  const pkt = protectedInitial({ version: 0x6b3343cf, dcid: hex('0a0b0c0d'), pn: 7, frames, padTo: 1200 });
  const r = inspect(UDP, 50000, 443, [[pkt, true]]);
  assert.deepEqual([r.result.serverName, r.result.quicVersion], ['shuffle.example', '2']);
});

test('coalesced Initial + 0-RTT + short header in one datagram', () => {
  const ch = clientHello({ sni: 'coalesced.example', versions: [0x0304] });
  const dcid = hex('cafebabe00000001');
  const initial = protectedInitial({ dcid, pn: 0, frames: cryptoFrame(0, ch) });
  // A 0-RTT packet (type 1 in v1): header, length, then opaque bytes.
  const zeroRtt = concat([0xd0, 0, 0, 0, 1, 8], dcid, [0], [0x40, 40], new Uint8Array(40).fill(7));
  const short = concat([0x40], dcid, new Uint8Array(30));
  const r = inspect(UDP, 50000, 443, [[concat(zeroRtt, initial, short), true]]);
  assert.equal(r.result.serverName, 'coalesced.example');
});

test('draft versions are labelled with their hex version; draft-29 Initials decrypt', () => {
  const ch = clientHello({ sni: 'draft.example', versions: [0x0304] });
  const pkt = protectedInitial({
    version: 0xff00001d,
    dcid: hex('01020304'),
    pn: 0,
    frames: cryptoFrame(0, ch),
    padTo: 1200,
  });
  const r = inspect(UDP, 50000, 443, [[pkt, true]]);
  assert.deepEqual(
    [r.result.app, r.result.serverName, r.result.quicVersion],
    ['quic', 'draft.example', '0xff00001d'],
  );
  assert.equal(quicVersionName(0xff000022), '0xff000022');
  // A version without known Initial salt (Google Q050): labelled, finished at once.
  const q050 = concat(
    [0xc3, 0x51, 0x30, 0x35, 0x30, 8],
    new Uint8Array(8),
    [0],
    [0],
    [0x40, 40],
    new Uint8Array(40),
  );
  const g = inspect(UDP, 50000, 443, [[q050, true]]);
  assert.deepEqual([g.result.app, g.result.quicVersion, g.finishedAt], ['quic', 'Q050', 1]);
  assert.equal(isKnownQuicVersion(0x12345678), false);
});

test('server-only QUIC: Initial from the server, version negotiation', () => {
  const serverInitial = concat(
    [0xc1, 0, 0, 0, 1, 0, 8],
    new Uint8Array(8),
    [0],
    [0x40, 0x75],
    new Uint8Array(0x75),
  );
  const r = inspect(UDP, 50000, 443, [[serverInitial, false]]);
  assert.deepEqual([r.result.app, r.result.quicVersion], ['quic', '1']);
  const vn = concat(
    [0x80, 0, 0, 0, 0, 8],
    new Uint8Array(8),
    [8],
    new Uint8Array(8),
    [0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf],
  );
  const q = new QuicInspector();
  assert.equal(q.push(vn, false), QUIC_YES);
  assert.equal(inspect(UDP, 50000, 443, [[vn, false]]).result.app, 'quic');
});

test('QUIC look-alikes are rejected', () => {
  const q = new QuicInspector();
  // Unknown version.
  assert.equal(q.push(concat([0xc0, 0x12, 0x34, 0x56, 0x78, 0], new Uint8Array(40)), true), QUIC_NO);
  // Connection ID longer than 20.
  assert.equal(q.push(concat([0xc0, 0, 0, 0, 1, 21], new Uint8Array(60)), true), QUIC_NO);
  // Length beyond the datagram.
  assert.equal(q.push(concat([0xc0, 0, 0, 0, 1, 0, 0, 0, 0x44, 0x00], new Uint8Array(30)), true), QUIC_NO);
  // Fixed bit clear.
  assert.equal(q.push(concat([0x80, 0, 0, 0, 1, 0, 0, 0, 0x20], new Uint8Array(32)), true), QUIC_NO);
  assert.equal(
    inspect(UDP, 50000, 443, [[hex(RFC9001_A2_CLIENT_INITIAL).subarray(0, 30), true]]).result.app,
    'unknown',
  );
});

test('QuicInspector reports the hello once complete', () => {
  const q = new QuicInspector();
  assert.equal(q.push(hex(RFC9001_A2_CLIENT_INITIAL), true), QUIC_HELLO);
  assert.equal(q.hello?.serverName, 'example.com');
});
