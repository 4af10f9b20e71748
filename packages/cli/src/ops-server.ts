import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsEndpoints {
  registry: Registry;
  /** Readiness beyond being up (the store answers); ready when absent. */
  ready?: () => Promise<boolean>;
  /** The stored captures, where this process owns the store. */
  captures?: () => Promise<unknown>;
}

/** /healthz, /readyz, /metrics and (where there is a store) /api/captures, for `up` and `serve`. */
export async function startOpsServer(
  host: string,
  port: number,
  ops: OpsEndpoints,
): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz') return void res.end('ok\n');
      if (path === '/readyz') {
        const ok = ops.ready ? await ops.ready() : true;
        res.statusCode = ok ? 200 : 503;
        return void res.end(ok ? 'ready\n' : 'store not answering\n');
      }
      if (path === '/metrics') {
        res.setHeader('content-type', ops.registry.contentType);
        return void res.end(await ops.registry.metrics());
      }
      if (path === '/api/captures' && ops.captures) {
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify(await ops.captures()));
      }
      res.statusCode = 404;
      res.end(`not found: try ${ops.captures ? '/api/captures, ' : ''}/metrics, /healthz, /readyz\n`);
    } catch (e) {
      res.statusCode = 500;
      res.end(`${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}

/** Resolves on SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
