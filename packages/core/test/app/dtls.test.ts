import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDtlsHello } from '../../src/app/dtls.ts';
import { clientHello, concat, dtlsRecord, inspect, serverHello, TCP, UDP } from './builders.ts';

const COOKIE = new Uint8Array(20).fill(0xc0);
const webrtcHello = () =>
  clientHello({ legacyVersion: 0xfefd, cookie: new Uint8Array(0), sni: 'turn.example', alpn: ['webrtc'] });

test('a DTLS ClientHello names the server, its ALPN and version, from either side', () => {
  const r = inspect(UDP, 40739, 56515, [[dtlsRecord(webrtcHello(), { version: 0xfeff }), true]]);
  assert.deepEqual(
    [r.result.app, r.result.serverName, r.result.alpn, r.result.tlsVersion, r.finishedAt],
    ['dtls', 'turn.example', ['webrtc'], '1.2', 1],
  );
  // In WebRTC either peer may be the DTLS client.
  const answer = inspect(UDP, 54162, 3478, [[dtlsRecord(webrtcHello()), false]]);
  assert.equal(answer.result.app, 'dtls');
  // DTLS 1.3 says so in supported_versions (RFC 9147 §5.3), with a cookie sent back.
  const v13 = clientHello({ legacyVersion: 0xfefd, cookie: COOKIE, versions: [0x0a0a, 0xfefc, 0xfefd] });
  assert.equal(parseDtlsHello(dtlsRecord(v13))?.hello?.version, '1.3');
});

test('a ClientHello in several fragments is read from its first one', () => {
  const hello = clientHello({
    legacyVersion: 0xfefd,
    cookie: COOKIE,
    sni: 'first.example',
    keyShareBytes: 1248,
  });
  const first = dtlsRecord(hello, { fragment: 200 });
  assert.equal(parseDtlsHello(first)?.hello?.serverName, 'first.example');
  // A later fragment does not start a message.
  assert.equal(parseDtlsHello(dtlsRecord(hello, { fragment: 200, fragmentOffset: 200 })), null);
});

test('the server side: ServerHello or HelloVerifyRequest', () => {
  const sh = dtlsRecord(serverHello({ legacyVersion: 0xfefd }));
  assert.deepEqual(
    [
      parseDtlsHello(sh)?.type,
      parseDtlsHello(sh)?.hello?.version,
      inspect(UDP, 5684, 50000, [[sh, false]]).result.app,
    ],
    [2, '1.2', 'dtls'],
  );
  // HelloVerifyRequest: server_version and a cookie, nothing else.
  const hvr = dtlsRecord(concat([3, 0, 0, 23], [0xfe, 0xff, 20], COOKIE));
  assert.deepEqual(parseDtlsHello(hvr), { type: 3, hello: null });
  assert.equal(parseDtlsHello(dtlsRecord(concat([3, 0, 0, 24], [0xfe, 0xff, 20], COOKIE, [0]))), null);
});

test('what is no DTLS hello', () => {
  const hello = webrtcHello();
  const no = {
    'a TLS record version': dtlsRecord(hello, { version: 0x0303 }),
    'epoch 1 (encrypted)': dtlsRecord(hello, { epoch: 1 }),
    'a Finished, not a hello': dtlsRecord(concat([20, 0, 0, 12], new Uint8Array(12))),
    'a record longer than the datagram': dtlsRecord(hello).subarray(0, 60),
    'a TLS ClientHello (no cookie) in a DTLS record': dtlsRecord(clientHello({ sni: 'x.example' })),
  };
  for (const [what, d] of Object.entries(no)) assert.equal(parseDtlsHello(d), null, what);
  // Over TCP the same bytes are no TLS record either.
  assert.equal(inspect(TCP, 50000, 443, [[dtlsRecord(hello), true]]).result.app, 'unknown');
});
