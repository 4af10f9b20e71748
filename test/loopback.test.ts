import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import type { FlowRecord } from '@capstream/core';
import { capstream, jsonLines } from './support/cli.ts';
import { Recording } from './support/tcpdump.ts';
import { tsharkTotals, tupleKey } from './support/tshark.ts';

type Flow = FlowRecord;

/** A tiny authoritative DNS server: every A question under capstream.test is 127.0.0.1. */
function dnsAnswer(query: Buffer): Buffer {
  let p = 12;
  while (query[p] !== 0) p += query[p] + 1;
  const question = query.subarray(12, p + 5);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, no error
  header.writeUInt16BE(1, 6); // one answer
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([header, question, answer]);
}

const listen = <T extends { address(): AddressInfo | string | null }>(server: T): number =>
  (server.address() as AddressInfo).port;

describe('loopback traffic recorded with tcpdump', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-loop-'));
  const file = join(dir, 'loopback.pcap');
  let flows: Flow[] = [];
  const ports = { dns: 0, http: 0, tls: 0, echo: 0, marker: 0 };
  // Sent last: once tcpdump has written it, every packet before it is in the file.
  const MARKER = Buffer.from('capstream-loopback-recording-ends-here');

  before(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=tls.capstream.test',
      ],
      { stdio: 'ignore' },
    );
    const dnsServer = dgram.createSocket('udp4');
    dnsServer.on('message', (msg, rinfo) => dnsServer.send(dnsAnswer(msg), rinfo.port, rinfo.address));
    const echo = dgram.createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    const marker = dgram.createSocket('udp4');
    const web = http.createServer((_req, res) => res.end('hello from capstream\n'));
    const secure = tls.createServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        ALPNProtocols: ['http/1.1'],
      },
      (socket) => socket.on('data', () => socket.end('pong')),
    );
    await Promise.all([
      new Promise<void>((r) => dnsServer.bind(0, '127.0.0.1', r)),
      new Promise<void>((r) => echo.bind(0, '127.0.0.1', r)),
      new Promise<void>((r) => marker.bind(0, '127.0.0.1', r)),
      new Promise<void>((r) => web.listen(0, '127.0.0.1', r)),
      new Promise<void>((r) => secure.listen(0, '127.0.0.1', r)),
    ]);
    ports.dns = listen(dnsServer);
    ports.echo = listen(echo);
    ports.marker = listen(marker);
    ports.http = listen(web);
    ports.tls = listen(secure);

    const rec = await Recording.start(
      file,
      Object.values(ports)
        .map((p) => `port ${p}`)
        .join(' or '),
    );
    let sentMarker = false;
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.0.1:${ports.dns}`]);
      assert.deepEqual(await resolver.resolve4('www.capstream.test'), ['127.0.0.1']);
      await new Promise<void>((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port: ports.http,
              path: '/index.html',
              headers: { Host: 'www.capstream.test' },
              agent: false,
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          )
          .on('error', reject);
      });
      await new Promise<void>((resolve, reject) => {
        const s = tls.connect(
          {
            host: '127.0.0.1',
            port: ports.tls,
            servername: 'tls.capstream.test',
            rejectUnauthorized: false,
            ALPNProtocols: ['h2', 'http/1.1'],
          },
          () => s.write('ping'),
        );
        s.on('data', () => {});
        s.on('end', () => {
          s.end();
          resolve();
        });
        s.on('error', reject);
      });
      const client = dgram.createSocket('udp4');
      await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
      let replies = 0;
      await new Promise<void>((resolve) => {
        client.on('message', () => {
          if (++replies === 3) resolve();
        });
        for (const word of ['one', 'two', 'three']) client.send(word, ports.echo, '127.0.0.1');
      });
      await new Promise<void>((resolve, reject) =>
        client.send(MARKER, ports.marker, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
      client.close();
      sentMarker = true;
    } finally {
      await rec.stop(sentMarker ? MARKER : undefined);
      marker.close();
      dnsServer.close();
      echo.close();
      web.close();
      secure.close();
    }
    const out = await capstream(['flows', file]);
    assert.equal(out.code, 0, out.stderr);
    flows = jsonLines<Flow>(out.stdout);
  });

  after(() => {});

  const byPort = (port: number) => {
    const found = flows.filter((f) => f.dst_port === port);
    assert.equal(found.length, 1, `one flow to port ${port}, got ${JSON.stringify(found)}`);
    return found[0];
  };

  it('labels the DNS exchange and learns the answer', () => {
    const f = byPort(ports.dns);
    assert.equal(f.app, 'dns');
    assert.equal(f.ip_proto, 17);
    assert.deepEqual([f.packets_src, f.packets_dst], [1, 1]);
  });

  it('labels HTTP with its Host and sees a clean close', () => {
    const f = byPort(ports.http);
    assert.equal(f.app, 'http');
    assert.equal(f.server_name, 'www.capstream.test');
    assert.equal(f.tcp_state, 'SF');
    assert.ok(f.payload_bytes_src > 30 && f.payload_bytes_dst > 20);
    assert.match(f.first_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('labels TLS 1.3 with its SNI and offered ALPN', () => {
    const f = byPort(ports.tls);
    assert.equal(f.app, 'tls');
    assert.equal(f.server_name, 'tls.capstream.test');
    assert.equal(f.tls_version, '1.3');
    assert.equal(f.alpn, 'h2,http/1.1');
    assert.equal(f.tcp_state, 'SF');
  });

  it('counts the UDP echo both ways', () => {
    const f = byPort(ports.echo);
    assert.deepEqual([f.packets_src, f.packets_dst, f.payload_bytes_src], [3, 3, 11]);
    assert.equal(f.src_ip, '127.0.0.1');
  });

  it('agrees with tshark on packets and bytes per 5-tuple', async () => {
    const theirs = await tsharkTotals(file);
    const ours = new Map(
      flows.map((f) => [
        tupleKey(f.ip_proto, f.src_ip, f.src_port, f.dst_ip, f.dst_port),
        { packets: f.packets_src + f.packets_dst, bytes: f.bytes_src + f.bytes_dst },
      ]),
    );
    assert.deepEqual(ours, theirs);
  });
});
