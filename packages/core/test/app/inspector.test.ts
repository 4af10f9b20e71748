import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppInspector, MAX_PACKETS } from '../../src/app/inspector.ts';
import { ascii, clientHello, inspect, serverHello, TCP, tlsRecords, UDP } from './builders.ts';

test('result is valid before anything is pushed and is replaced, not mutated', () => {
  const ins = new AppInspector(TCP, 50000, 443);
  const before = ins.result;
  assert.deepEqual(before, {
    app: 'unknown',
    serverName: null,
    alpn: null,
    tlsVersion: null,
    quicVersion: null,
  });
  assert.equal(ins.push(tlsRecords(clientHello({ sni: 'a.example' })), true), true);
  assert.equal(before.app, 'unknown');
  assert.equal(ins.result.serverName, 'a.example');
  // After finishing, push keeps returning true and changes nothing.
  assert.equal(ins.push(ascii('SSH-2.0-x\r\n'), false), true);
  assert.equal(ins.result.app, 'tls');
});

test('empty payloads are ignored and do not count', () => {
  const ins = new AppInspector(UDP, 1, 2);
  for (let i = 0; i < 20; i++) assert.equal(ins.push(new Uint8Array(0), true), false);
});

test('gives up after the packet budget', () => {
  const ins = new AppInspector(TCP, 50000, 9999);
  let finished = 0;
  for (let i = 1; i <= 20 && finished === 0; i++)
    if (ins.push(Uint8Array.from([0xaa, i, 0, 0]), i % 2 === 0)) finished = i;
  assert.equal(finished, MAX_PACKETS);
  assert.equal(ins.result.app, 'unknown');
});

test('other IP protocols finish immediately', () => {
  const ins = new AppInspector(1, 0, 0);
  assert.equal(ins.push(Uint8Array.from([8, 0, 0, 0]), true), true);
  assert.equal(ins.result.app, 'unknown');
});

test('port alone never labels', () => {
  const junk = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  for (const port of [21, 22, 25, 53, 67, 80, 110, 123, 143, 161, 443, 445, 3389, 5060]) {
    assert.equal(
      inspect(
        TCP,
        50000,
        port,
        Array.from({ length: 8 }, () => [junk, true]),
      ).result.app,
      'unknown',
      `tcp ${port}`,
    );
    assert.equal(
      inspect(
        UDP,
        50000,
        port,
        Array.from({ length: 8 }, () => [junk, true]),
      ).result.app,
      'unknown',
      `udp ${port}`,
    );
  }
});

test('mid-stream TLS records are weak evidence used when giving up', () => {
  const appData = Uint8Array.from([0x17, 3, 3, 0x40, 0x00, ...new Array(200).fill(9)]);
  const r = inspect(
    TCP,
    50000,
    443,
    Array.from({ length: 8 }, () => [appData, false] as [Uint8Array, boolean]),
  );
  assert.deepEqual([r.result.app, r.finishedAt], ['tls', 8]);
});

test('ServerHello while the ClientHello is incomplete waits for the ClientHello', () => {
  const records = tlsRecords(clientHello({ sni: 'wait.example', versions: [0x0304], keyShareBytes: 1300 }));
  const r = inspect(TCP, 50000, 443, [
    [records.subarray(0, 1000), true],
    [tlsRecords(serverHello({ selected: 0x0304 })), false],
    [records.subarray(1000), true],
  ]);
  assert.deepEqual([r.result.serverName, r.result.tlsVersion, r.finishedAt], ['wait.example', '1.3', 3]);
});

test('HTTP request line longer than the buffer is still HTTP when complete', () => {
  const long = `GET /${'a'.repeat(3000)} HTTP/1.1\r\n${'X-Pad: yyyyyyyyyyyyyyyyyyyy\r\n'.repeat(300)}`;
  const bytes = ascii(long);
  const segs: [Uint8Array, boolean][] = [];
  for (let o = 0; o < bytes.length && segs.length < 8; o += 1460)
    segs.push([bytes.subarray(o, o + 1460), true]);
  const r = inspect(TCP, 50000, 80, segs);
  assert.equal(r.result.app, 'http');
  assert.equal(r.result.serverName, null);
});

test('retransmitted segments are not appended twice', () => {
  const records = tlsRecords(clientHello({ sni: 'retx.example', versions: [0x0304], keyShareBytes: 1800 }));
  const a = records.subarray(0, 900);
  const b = records.subarray(900, 1800);
  const c = records.subarray(1800);
  const r = inspect(TCP, 50000, 443, [
    [a, true],
    [a, true],
    [b, true],
    [a, true],
    [c, true],
  ]);
  assert.deepEqual([r.result.serverName, r.finishedAt], ['retx.example', 5]);
});
