import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { samplePcap } from '@capstream/core/testing';
import { type LiveCapture, listenPcapOverIp } from '../../src/sources/pcap-over-ip.ts';
import { collect, delay, sha256 } from './helpers.ts';

function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s));
    s.once('error', reject);
  });
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await delay(5);
  }
}

describe('pcap-over-IP listener', () => {
  it('streams a capture written slowly in pieces, and ends when the sender closes', async () => {
    const pcap = samplePcap();
    const listener = await listenPcapOverIp({ host: '127.0.0.1', port: 0 });
    try {
      const client = await connect(listener.port);
      const conns = listener.connections();
      const first = await conns.next();
      assert.equal(first.done, false);
      const capture = first.value as LiveCapture;
      assert.equal(capture.remote, `127.0.0.1:${client.localPort}`);
      assert.equal(capture.displaySource, `tcp://127.0.0.1:${client.localPort}`);
      const reading = collect(capture.stream);
      // Pieces that cut the file header and records anywhere.
      const cuts = [0, 10, 24, 57, Math.floor(pcap.length / 2), pcap.length - 3, pcap.length];
      for (let i = 0; i + 1 < cuts.length; i++) {
        client.write(pcap.subarray(cuts[i], cuts[i + 1]));
        await delay(25);
      }
      client.end();
      const got = await reading;
      assert.equal(sha256(got), sha256(pcap));
      const end = await capture.done;
      assert.deepEqual(end, { reason: 'peer-closed', broken: false, bytes: pcap.length });
      assert.equal(capture.end?.reason, 'peer-closed');
    } finally {
      await listener.close();
    }
  });

  it('ends the stream (without throwing) when the connection is reset, flagged broken', async () => {
    const pcap = samplePcap();
    const seen: LiveCapture[] = [];
    const listener = await listenPcapOverIp({
      host: '127.0.0.1',
      port: 0,
      onConnection: (c) => seen.push(c),
    });
    try {
      const client = await connect(listener.port);
      await waitFor(() => seen.length === 1);
      const capture = seen[0];
      const parts: Uint8Array[] = [];
      let got = 0;
      const reading = (async () => {
        for await (const c of capture.stream) {
          parts.push(c);
          got += c.length;
        }
      })();
      client.write(pcap.subarray(0, 1000));
      await waitFor(() => got === 1000);
      client.resetAndDestroy();
      await reading; // ends, does not throw
      const end = await capture.done;
      assert.equal(end.reason, 'reset');
      assert.equal(end.broken, true);
      assert.equal(end.bytes, 1000);
      assert.equal(end.error, 'ECONNRESET');
      assert.deepEqual(Buffer.concat(parts), Buffer.from(pcap.subarray(0, 1000)));
    } finally {
      await listener.close();
    }
  });

  it('refuses connections over the cap, and takes new ones once a capture ends', async () => {
    const refused: string[] = [];
    const listener = await listenPcapOverIp({
      host: '127.0.0.1',
      port: 0,
      maxConnections: 1,
      onRefused: (remote, reason) => refused.push(`${remote} ${reason}`),
    });
    try {
      const conns = listener.connections();
      const a = await connect(listener.port);
      const first = (await conns.next()).value as LiveCapture;
      assert.equal(listener.active, 1);
      const b = await connect(listener.port);
      const bClosed = new Promise<void>((r) => b.once('close', () => r()));
      b.on('error', () => {});
      b.resume();
      await bClosed;
      assert.equal(refused.length, 1);
      assert.match(refused[0], /1 captures already open/);
      a.end('abc');
      assert.equal((await collect(first.stream)).toString(), 'abc');
      await first.done;
      assert.equal(listener.active, 0);
      const c = await connect(listener.port);
      const third = (await conns.next()).value as LiveCapture;
      c.end('def');
      assert.equal((await collect(third.stream)).toString(), 'def');
    } finally {
      await listener.close();
    }
  });

  it('close() ends open captures and the connection iterator', async () => {
    const listener = await listenPcapOverIp({ host: '127.0.0.1', port: 0 });
    const conns = listener.connections();
    const client = await connect(listener.port);
    client.on('error', () => {});
    const capture = (await conns.next()).value as LiveCapture;
    client.write('partial');
    const reading = collect(capture.stream);
    await waitFor(() => capture.bytes === 7);
    const waiting = conns.next();
    await listener.close();
    assert.equal((await reading).toString(), 'partial');
    assert.equal((await capture.done).reason, 'server-closed');
    assert.equal((await waiting).done, true);
    await assert.rejects(connect(listener.port));
  });

  it('closes a capture that goes quiet (idle timeout) or over its size cap', async () => {
    const listener = await listenPcapOverIp({ host: '127.0.0.1', port: 0, idleTimeoutMs: 100, maxBytes: 10 });
    try {
      const conns = listener.connections();
      const quiet = await connect(listener.port);
      quiet.on('error', () => {});
      const c1 = (await conns.next()).value as LiveCapture;
      quiet.write('hi');
      assert.equal((await collect(c1.stream)).toString(), 'hi');
      assert.deepEqual(await c1.done, { reason: 'idle-timeout', broken: true, bytes: 2 });
      const big = await connect(listener.port);
      big.on('error', () => {});
      const c2 = (await conns.next()).value as LiveCapture;
      big.write('0123456789abcdef');
      assert.equal((await collect(c2.stream)).toString(), '0123456789');
      assert.equal((await c2.done).reason, 'too-large');
    } finally {
      await listener.close();
    }
  });

  it('does not close a capture whose reader is slow (idle counts only while waiting for data)', async () => {
    const listener = await listenPcapOverIp({ host: '127.0.0.1', port: 0, idleTimeoutMs: 100 });
    try {
      const client = await connect(listener.port);
      const capture = (await listener.connections().next()).value as LiveCapture;
      const data = Buffer.alloc(4 * 1024 * 1024, 7);
      client.end(data);
      let got = 0;
      for await (const c of capture.stream) {
        got += c.length;
        if (got < 1024 * 1024) await delay(150);
      }
      assert.equal(got, data.length);
      assert.equal((await capture.done).reason, 'peer-closed');
    } finally {
      await listener.close();
    }
  });

  it('listens on IPv6 and names the sender in brackets', async () => {
    const listener = await listenPcapOverIp({ host: '::1', port: 0 });
    try {
      const client = await connect(listener.port, '::1');
      const capture = (await listener.connections().next()).value as LiveCapture;
      assert.equal(capture.remote, `[::1]:${client.localPort}`);
      client.end();
      await collect(capture.stream);
    } finally {
      await listener.close();
    }
  });
});
