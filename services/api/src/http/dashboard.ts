// The dashboard's static export, served by the API (`capstream up`, `serve api,dashboard`) or on
// its own (`capstream serve dashboard`). This module loads Fastify and its static plugin only:
// the dashboard service starts without NestJS, GraphQL, Kafka or a store.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Where `node scripts/build-dashboard.mjs` (and the image's dashboard stage) puts the export. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../../apps/dashboard/out', import.meta.url));

/** True when `dir` holds a built export (its index.html). */
export function dashboardBuilt(dir: string | null): dir is string {
  return dir !== null && existsSync(join(dir, 'index.html'));
}

/**
 * Serves the export at `/`; pages answer without their `.html`, as the dashboard links them.
 * Returns false (and registers nothing) when there is no export.
 */
export async function registerDashboard(app: FastifyInstance, dir: string | null): Promise<boolean> {
  if (!dashboardBuilt(dir)) return false;
  await app.register(fastifyStatic, { root: dir, extensions: ['html'], wildcard: true });
  return true;
}

export interface DashboardServerOptions {
  host: string;
  port: number;
  dir: string;
  registry: Registry;
}

export interface RunningDashboard {
  url: string;
  port: number;
  /** Whether the export was there at start: what /readyz answers. */
  ready: boolean;
  close(): Promise<void>;
}

const NOT_BUILT = 'the dashboard is not built: run `node scripts/build-dashboard.mjs`\n';

/**
 * The dashboard service: the static files, /healthz, /readyz and /metrics. It is ready when the
 * export was found at start; without one it stays up but unready (an image without the export
 * is broken, and restarting it would not help), and says why on every page.
 */
export async function startDashboardServer(opts: DashboardServerOptions): Promise<RunningDashboard> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => 'ok\n');
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()),
  );
  const ready = await registerDashboard(app, opts.dir);
  app.get('/readyz', async (_req, reply) =>
    reply.code(ready ? 200 : 503).send(ready ? 'ready\n' : NOT_BUILT),
  );
  if (!ready) app.setNotFoundHandler((_req, reply) => reply.code(503).type('text/plain').send(NOT_BUILT));
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    ready,
    close: () => app.close(),
  };
}
