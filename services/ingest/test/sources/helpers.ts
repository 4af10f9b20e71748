// Real local servers and small tools for the source tests.

import { createHash, randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface TestServer {
  server: http.Server;
  host: string;
  port: number;
  /** `http://HOST:PORT` (IPv6 in brackets). */
  origin: string;
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests received so far, with their headers. */
  requests: { url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const t: TestServer = {
    server: http.createServer((req, res) => {
      t.requests.push({ url: req.url ?? '', headers: req.headers });
      handler(req, res, t.requests.length);
    }),
    host,
    port: 0,
    origin: '',
    connections: 0,
    requests: [],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => t.server.close(() => r()));
    },
  };
  t.server.on('connection', (s) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    t.server.once('error', reject);
    t.server.listen(0, host, () => resolve());
  });
  t.port = (t.server.address() as AddressInfo).port;
  t.origin = host.includes(':') ? `http://[${host}]:${t.port}` : `http://${host}:${t.port}`;
  return t;
}

export function sha256(data: Uint8Array | Uint8Array[]): string {
  const h = createHash('sha256');
  for (const d of Array.isArray(data) ? data : [data]) h.update(d);
  return h.digest('hex');
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

export function randomData(n: number): Buffer {
  return randomBytes(n);
}

/** Counts client sockets this process creates (node's own diagnostics channel, no mock). */
export function countClientSockets(): { readonly count: number; stop(): void } {
  let count = 0;
  const onSocket = () => {
    count++;
  };
  diagnostics.subscribe('net.client.socket', onSocket);
  return {
    get count() {
      return count;
    },
    stop() {
      diagnostics.unsubscribe('net.client.socket', onSocket);
    },
  };
}

/** Records client HTTP requests this process sends (node's diagnostics channel). */
export function recordClientRequests(): { requests: http.ClientRequest[]; stop(): void } {
  const requests: http.ClientRequest[] = [];
  const on = (msg: unknown) => {
    requests.push((msg as { request: http.ClientRequest }).request);
  };
  diagnostics.subscribe('http.client.request.start', on);
  return {
    requests,
    stop() {
      diagnostics.unsubscribe('http.client.request.start', on);
    },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface CuttingProxy {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to `port` that breaks connections: `cutAfter(i)` (i from 1) gives how
 * many bytes of the answer the i-th connection passes before it is destroyed, or null to pass all.
 * A faulty network, for real clients against a real server.
 */
export async function startCuttingProxy(
  port: number,
  cutAfter: (connection: number) => number | null,
): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  const p: CuttingProxy = {
    port: 0,
    connections: 0,
    cuts: 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((client) => {
    const limit = cutAfter(++p.connections);
    const upstream = net.connect({ host: '127.0.0.1', port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    let passed = 0;
    let cut = false;
    upstream.on('data', (d: Buffer) => {
      if (cut) return;
      if (limit !== null && passed + d.length >= limit) {
        cut = true;
        client.write(d.subarray(0, Math.max(0, limit - passed)), () => {
          p.cuts++;
          client.destroy();
          upstream.destroy();
        });
        upstream.pause();
        passed = limit;
        return;
      }
      passed += d.length;
      if (!client.write(d)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.port = (server.address() as AddressInfo).port;
  return p;
}
