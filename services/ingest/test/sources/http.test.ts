import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openHttp } from '../../src/sources/http.ts';
import { SourceError } from '../../src/sources/source.ts';
import { collect, delay, randomData, sha256, startServer, type TestServer } from './helpers.ts';

const MiB = 1024 * 1024;
// Only the loopback test servers are allowed; nothing is read from the environment.
const policy = (extra: object = {}) => ({ allow: '127.0.0.1', env: null, ...extra });
const fast = { backoffMs: 5, maxBackoffMs: 20 };

const servers: TestServer[] = [];
async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function rejectsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('http source', () => {
  it('downloads a capture as a stream, with its size and a display URL without the query', async () => {
    const data = randomData(3 * MiB + 5);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/vnd.tcpdump.pcap' });
      res.end(data);
    });
    const src = await openHttp(`${s.origin}/caps/a.pcap?token=s3cr3t#frag`, { policy: policy(), ...fast });
    assert.equal(src.size, data.length);
    assert.equal(src.displaySource, `${s.origin}/caps/a.pcap`);
    assert.equal(sha256(await collect(src.stream)), sha256(data));
    assert.equal(s.requests[0].headers['accept-encoding'], 'identity');
  });

  it('resumes with Range after the connection drops mid-transfer, bytes identical', async () => {
    const data = randomData(3 * MiB + 123);
    const etag = '"v1"';
    const s = await server((req, res) => {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const headers = { 'accept-ranges': 'bytes', etag };
      if (m) {
        res.writeHead(206, {
          ...headers,
          'content-length': data.length - start,
          'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
        });
      } else {
        res.writeHead(200, { ...headers, 'content-length': data.length });
      }
      // Every response breaks off after ~700 KiB: it takes several resumes to get it all.
      const end = Math.min(data.length, start + 700 * 1024);
      res.write(data.subarray(start, end), () => {
        if (end < data.length) res.socket?.destroy();
        else res.end();
      });
    });
    const retries: number[] = [];
    const src = await openHttp(`${s.origin}/big.pcap`, {
      policy: policy(),
      ...fast,
      attempts: 3, // fewer than the drops: progress resets the count
      onRetry: (i) => retries.push(i.offset),
    });
    const got = await collect(src.stream);
    assert.equal(got.length, data.length);
    assert.equal(sha256(got), sha256(data));
    assert.ok(s.requests.length >= 5, `${s.requests.length} requests`);
    for (const [i, r] of s.requests.slice(1).entries()) {
      assert.equal(r.headers.range, `bytes=${retries[i]}-`);
      assert.equal(r.headers['if-range'], etag);
    }
  });

  it('fails clearly when the connection drops after bytes were handed on and ranges are not supported', async () => {
    const data = randomData(2 * MiB);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': data.length }); // no Accept-Ranges; ignores Range
      res.write(data.subarray(0, 512 * 1024), () => res.socket?.destroy());
    });
    const src = await openHttp(`${s.origin}/x.pcap`, { policy: policy(), ...fast });
    let got = 0;
    const err = await rejectsWith(
      (async () => {
        for await (const c of src.stream) got += c.length;
      })(),
      'NOT_RESUMABLE',
      /closed the connection after \d+ bytes and does not support ranges/,
    );
    assert.ok(got > 0);
    assert.match(err.message, new RegExp(`after ${got} bytes`));
    assert.equal(s.requests.length, 2);
    assert.equal(s.requests[1].headers.range, `bytes=${got}-`);
  });

  it('starts again from zero when the connection drops before any byte', async () => {
    const data = randomData(100_000);
    const s = await server((_req, res, n) => {
      res.writeHead(200, { 'content-length': data.length });
      if (n === 1) {
        res.flushHeaders();
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(data);
      }
    });
    const src = await openHttp(`${s.origin}/x.pcap`, { policy: policy(), ...fast });
    assert.equal(sha256(await collect(src.stream)), sha256(data));
    assert.equal(s.requests.length, 2);
    assert.equal(s.requests[1].headers.range, undefined);
  });

  it('gives HTTP_STATUS with the code for a 404, without retrying and without the query', async () => {
    const s = await server((_req, res) => {
      res.writeHead(404);
      res.end('nope');
    });
    const err = await rejectsWith(
      openHttp(`${s.origin}/missing.pcap?sig=TOPSECRET`, { policy: policy(), ...fast }),
      'HTTP_STATUS',
      /404/,
    );
    assert.equal(err.status, 404);
    assert.doesNotMatch(err.message, /TOPSECRET|sig=/);
    assert.equal(s.requests.length, 1);
  });

  it('retries a 503 and then reads the capture', async () => {
    const s = await server((_req, res, n) => {
      if (n === 1) {
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
      } else {
        res.end('pcap bytes');
      }
    });
    const retried: string[] = [];
    const src = await openHttp(`${s.origin}/x`, {
      policy: policy(),
      ...fast,
      onRetry: (i) => retried.push(i.error.code),
    });
    assert.equal((await collect(src.stream)).toString(), 'pcap bytes');
    assert.deepEqual(retried, ['HTTP_STATUS']);
  });

  it('gives up on a server that keeps failing, saying how often it tried', async () => {
    const s = await server((_req, res) => {
      res.writeHead(502);
      res.end();
    });
    await rejectsWith(
      openHttp(`${s.origin}/x`, { policy: policy(), ...fast, attempts: 3 }),
      'HTTP_STATUS',
      /after 3 failed attempts.*502/,
    );
    assert.equal(s.requests.length, 3);
  });

  it('follows a redirect chain (relative, absolute, 301/302/307/308)', async () => {
    const s = await server((req, res) => {
      const to: Record<string, [number, string]> = {
        '/r1?a=1': [302, '/r2'],
        '/r2': [301, `http://127.0.0.1:${(req.socket.address() as { port: number }).port}/r3`],
        '/r3': [307, 'r4'],
        '/r4': [308, '/final?b=2'],
      };
      const hop = to[req.url ?? ''];
      if (hop) {
        res.writeHead(hop[0], { location: hop[1] });
        res.end();
      } else if (req.url === '/final?b=2') {
        res.end('arrived');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const src = await openHttp(`${s.origin}/r1?a=1`, { policy: policy(), ...fast });
    assert.equal((await collect(src.stream)).toString(), 'arrived');
    assert.deepEqual(
      s.requests.map((r) => r.url),
      ['/r1?a=1', '/r2', '/r3', '/r4', '/final?b=2'],
    );
    assert.equal(src.displaySource, `${s.origin}/r1`);
  });

  it('stops after 5 redirects, and on a loop', async () => {
    const s = await server((req, res) => {
      const n = Number((req.url ?? '').split('/')[2] ?? 0);
      res.writeHead(302, { location: req.url?.startsWith('/loop') ? '/loop' : `/chain/${n + 1}` });
      res.end();
    });
    await rejectsWith(
      openHttp(`${s.origin}/chain/0`, { policy: policy(), ...fast }),
      'TOO_MANY_REDIRECTS',
      /more than 5/,
    );
    assert.equal(s.requests.length, 6);
    await rejectsWith(
      openHttp(`${s.origin}/loop`, { policy: policy(), ...fast }),
      'TOO_MANY_REDIRECTS',
      /loop/,
    );
  });

  it('refuses a capture over the size cap: by its Content-Length, or while reading', async () => {
    const data = randomData(5000);
    const s = await server((req, res) => {
      if (req.url === '/known') res.writeHead(200, { 'content-length': data.length });
      res.write(data); // '/chunked': no length
      res.end();
    });
    await rejectsWith(
      openHttp(`${s.origin}/known`, { policy: policy({ maxBytes: 1000 }), ...fast }),
      'TOO_LARGE',
      /larger than the size cap/,
    );
    const src = await openHttp(`${s.origin}/chunked`, { policy: policy({ maxBytes: 1000 }), ...fast });
    assert.equal(src.size, null);
    await rejectsWith(collect(src.stream), 'TOO_LARGE');
  });

  it('stops a transfer that goes over the time cap (a server that trickles)', async () => {
    const timers: NodeJS.Timeout[] = [];
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      const t = setInterval(() => res.write('x'), 20);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    });
    const t0 = Date.now();
    const src = await openHttp(`${s.origin}/slow`, { policy: policy({ timeoutMs: 400 }), ...fast });
    let got = 0;
    await rejectsWith(
      (async () => {
        for await (const c of src.stream) got += c.length;
      })(),
      'TIMEOUT',
      /time cap/,
    );
    assert.ok(got > 0);
    assert.ok(Date.now() - t0 < 3000);
    for (const t of timers) clearInterval(t);
  });

  it('treats a stalled connection as broken (idle timeout) and retries it', async () => {
    const s = await server((_req, res, n) => {
      res.writeHead(200, { 'content-length': 4 });
      if (n === 1)
        res.flushHeaders(); // then nothing
      else res.end('done');
    });
    const src = await openHttp(`${s.origin}/stall`, { policy: policy({ idleTimeoutMs: 150 }), ...fast });
    assert.equal((await collect(src.stream)).toString(), 'done');
    assert.equal(s.requests.length, 2);
  });

  it('does not take a slow reader for a stalled server (idle time counts only while waiting)', async () => {
    const data = randomData(3 * 64 * 1024);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': data.length }); // no ranges: a break would be fatal
      res.end(data);
    });
    const src = await openHttp(`${s.origin}/x`, { policy: policy({ idleTimeoutMs: 100 }), ...fast });
    const parts: Uint8Array[] = [];
    for await (const c of src.stream) {
      parts.push(c);
      await delay(150);
    }
    assert.equal(sha256(parts), sha256(data));
    assert.equal(s.requests.length, 1);
  });

  it('sends URL credentials to their own origin only, and never shows them', async () => {
    const other = await server((req, res) => {
      res.end(req.headers.authorization ?? 'no-auth');
    });
    const s = await server((req, res) => {
      if (req.url === '/here') {
        res.end(req.headers.authorization ?? 'no-auth');
      } else {
        res.writeHead(302, { location: `${other.origin}/there` });
        res.end();
      }
    });
    const url = `http://alice:pa%24%24@127.0.0.1:${s.port}`;
    const here = await openHttp(`${url}/here`, { policy: policy(), ...fast });
    assert.equal(here.displaySource, `${s.origin}/here`);
    assert.equal(
      (await collect(here.stream)).toString(),
      `Basic ${Buffer.from('alice:pa$$').toString('base64')}`,
    );
    const away = await openHttp(`${url}/away`, { policy: policy(), ...fast });
    assert.equal((await collect(away.stream)).toString(), 'no-auth');
  });

  it('releases the connection when the reader stops early or closes without reading', async () => {
    const data = randomData(4 * MiB);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': data.length });
      res.end(data);
    });
    const src = await openHttp(`${s.origin}/x`, { policy: policy(), ...fast });
    for await (const _ of src.stream) break;
    const unread = await openHttp(`${s.origin}/x`, { policy: policy(), ...fast });
    await unread.close?.();
    // Both server sockets close once the client let go.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const open = await new Promise<number>((r) => s.server.getConnections((_e, n) => r(n)));
      if (open === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail('connections still open');
  });

  it('refuses URLs that are not http(s)', async () => {
    await rejectsWith(openHttp('ftp://example.org/x.pcap', { policy: policy() }), 'BAD_URL');
    await rejectsWith(openHttp('file:///etc/passwd', { policy: policy() }), 'BAD_URL');
    await rejectsWith(openHttp('not a url', { policy: policy() }), 'BAD_URL');
  });
});
