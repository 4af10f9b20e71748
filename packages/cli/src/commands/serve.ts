import { join, resolve } from 'node:path';
import type { ApiConfig, RunningApi } from '@capstream/api';
import {
  loadEmbeddedConfig,
  type Role,
  type RoleContext,
  startIngestRole,
  startParserRole,
  startWriterRole,
} from '@capstream/embedded';
import {
  createLogger,
  ensurePipelineTopics,
  failpointAsync,
  KafkaTransport,
  kafkaCrc32c,
  kafkaGroupingPatched,
  type Logger,
} from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { UsageError } from '../errors.ts';
import { startOpsServer, untilStopped } from '../ops-server.ts';

/** How long a stop may take after SIGTERM unless the config says otherwise (Deployments allow 30-60 s). */
const DEFAULT_STOP_TIMEOUT_MS = 25_000;

export const ROLES = ['ingest', 'parser', 'writer', 'api', 'dashboard'] as const;
export type RoleName = (typeof ROLES)[number];

/**
 * The order roles start in when one process runs several: the writer first, so that nothing the
 * others emit waits for a consumer, and so that it opens (and migrates) chDB before the API
 * shares the connection; the HTTP front (api, dashboard) last, once there is something to serve.
 * They stop in the reverse order.
 */
const START_ORDER: readonly RoleName[] = ['writer', 'parser', 'ingest', 'api', 'dashboard'];

export interface ServeOptions {
  data: string;
  port: string;
  host: string;
  config?: string;
  /** Validate and print the plan, contact nothing, exit (see serve-check.ts). */
  check?: boolean;
}

/** `writer,api` → the roles, in start order; unknown or repeated names are refused. */
export function parseRoles(text: string): RoleName[] {
  const names = text.split(',').map((r) => r.trim());
  for (const n of names) {
    if (!(ROLES as readonly string[]).includes(n)) {
      throw new UsageError(
        `unknown role '${n}': one of ${ROLES.join(', ')}, or several joined by commas (writer,api)`,
      );
    }
  }
  if (new Set(names).size !== names.length) throw new UsageError(`a role is named twice in '${text}'`);
  return START_ORDER.filter((r) => names.includes(r));
}

/**
 * Reads and checks the service's environment: one place, clear errors. `brokers` is null when
 * no role of the process talks through Kafka (the dashboard serves static files only).
 */
export function serviceEnv(env: NodeJS.ProcessEnv, roles: readonly RoleName[]): { brokers: string[] | null } {
  // With chDB one process owns the data directory, and that is the writer: an API elsewhere
  // could not open it (or would lock the writer out).
  if (roles.includes('api') && !roles.includes('writer') && !env.CLICKHOUSE_URL?.trim()) {
    throw new UsageError(
      'serve api reads the store the writer owns: set CLICKHOUSE_URL (a ClickHouse server), or run both in one process (serve writer,api) to share its chDB',
    );
  }
  if (roles.every((r) => r === 'dashboard')) return { brokers: null };
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw) {
    throw new UsageError(
      'KAFKA_BROKERS is not set: the services talk through Kafka (e.g. KAFKA_BROKERS=127.0.0.1:9092)',
    );
  }
  const brokers = raw.split(',').map((b) => b.trim());
  for (const b of brokers) {
    if (!/^[\w.-]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(b))
      throw new UsageError(`KAFKA_BROKERS: '${b}' is not host:port`);
  }
  return { brokers };
}

/** --host and --port, checked. */
export function listenAddress(opts: Pick<ServeOptions, 'host' | 'port'>): { host: string; port: number } {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port: '${opts.port}' is not a port number (0-65535; 0 = any free port)`);
  }
  if (!opts.host?.trim()) throw new UsageError('--host: empty (use 0.0.0.0 in a container)');
  return { host: opts.host, port };
}

/** What listens on --port: the API, the dashboard, or the ops endpoints of the pipeline roles. */
interface Front {
  url: string;
  close(): Promise<void>;
}

/**
 * One or more roles of Capstream in this process over Kafka: the same stage code as the embedded
 * mode. The writer owns the store (with chDB, the only process that opens the data directory, so
 * an API without a ClickHouse server runs beside it: `serve writer,api`).
 */
export async function serveCommand(roleText: string, opts: ServeOptions): Promise<void> {
  const roles = parseRoles(roleText);
  if (opts.check) return (await import('./serve-check.ts')).checkServe(roleText, opts);
  // Every setting is read and checked before anything connects.
  const { brokers } = serviceEnv(process.env, roles);
  const { host, port } = listenAddress(opts);
  const config = loadEmbeddedConfig(opts.config);
  const api = roles.includes('api') ? await import('@capstream/api') : null;
  const apiConfig = api?.apiConfigFromEnv(process.env, { host, port });
  const name = roles.join(',');
  const log = createLogger(`capstream-${name}`);
  const registry = new Registry();
  const dataDir = resolve(opts.data);

  let transport: KafkaTransport | null = null;
  const running: Role[] = [];
  let front: Front | undefined;
  try {
    let captures: (() => Promise<unknown>) | undefined;
    if (brokers) {
      await ensurePipelineTopics(brokers);
      transport = new KafkaTransport({
        brokers,
        clientId: `capstream-${name}`,
        registry,
        onHandlerError: (e, topic, group) =>
          log.error({ err: (e as Error).message, topic, group }, 'batch failed; retrying'),
      });
      const ctx: RoleContext = { transport, dataDir, env: process.env, log, registry, config };
      for (const role of roles) {
        if (role === 'writer') {
          const writer = await startWriterRole(ctx);
          captures = () => writer.store.captures.list();
          running.push(writer);
        } else if (role === 'parser') running.push(await startParserRole(ctx));
        else if (role === 'ingest') running.push(await startIngestRole(ctx));
      }
      if (api && apiConfig) {
        front = await startApiRole(api, ctx, apiConfig, roles.includes('dashboard'));
      }
    }
    front ??= roles.includes('dashboard')
      ? await startDashboardRole(host, port, registry, log)
      : await startOps(host, port, registry, captures);
  } catch (e) {
    // Half started: let go of what was taken (groups, chDB's lock), so the process can exit.
    await front?.close().catch(() => {});
    for (const r of running.reverse()) await r.stop().catch(() => {});
    await transport?.close();
    throw e;
  }

  log.info(
    {
      roles,
      brokers,
      url: front.url,
      kafkaCrc32c: kafkaCrc32c(),
      kafkaGroupingPatched: kafkaGroupingPatched(),
    },
    'service started',
  );
  // Listening for SIGTERM before saying ready: a supervisor that stops us the moment it reads the
  // line would otherwise kill the process outright (seen in a test, about one time in four).
  const stopped = untilStopped();
  // One line on stdout a supervisor (or a test) can wait for.
  process.stdout.write(`capstream ${name} ready on ${front.url}\n`);
  await stopped;
  log.info({ roles }, 'stopping: finishing or handing back in-flight work');
  // Bounded: a consumer that cannot leave its group (a broker that just came back, seen once in
  // CI) must not keep the process up until the orchestrator kills it without a word.
  const stopTimeoutMs = config.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  setTimeout(() => {
    log.error(
      { roles, stopTimeoutMs },
      'stopping took too long: exiting now; work not yet committed is delivered again to the next consumer',
    );
    process.exit(1);
  }, stopTimeoutMs).unref();
  await failpointAsync('serve.stop');
  await front.close();
  for (const r of running.reverse()) await r.stop();
  await transport?.close();
}

async function startOps(
  host: string,
  port: number,
  registry: Registry,
  captures: (() => Promise<unknown>) | undefined,
): Promise<Front> {
  const ops = await startOpsServer(host, port, { registry, ...(captures ? { captures } : {}) });
  return {
    url: `http://${host}:${ops.port}`,
    close: () => new Promise<void>((r) => ops.server.close(() => r())),
  };
}

/**
 * The GraphQL API over Kafka and the store: health, readiness (the store answers) and metrics
 * are the API's own routes on the same port. With the dashboard role beside it, it serves the
 * export too, as `capstream up` does.
 */
async function startApiRole(
  api: typeof import('@capstream/api'),
  ctx: RoleContext,
  config: ApiConfig,
  withDashboard: boolean,
): Promise<Front> {
  const { DASHBOARD_DIR } = await import('@capstream/api/dashboard');
  const backend = await api.clusterBackend(ctx, { host: config.host });
  let running: RunningApi;
  try {
    running = await api.startApi({
      backend,
      config: { ...config, dashboardDir: withDashboard ? DASHBOARD_DIR : null },
      log: ctx.log,
      // On the shared volume: an interrupted upload can resume through any API instance.
      uploadDir: join(ctx.dataDir, 'uploads-partial'),
    });
  } catch (e) {
    await backend.close();
    throw e;
  }
  if (running.generatedAdminToken) {
    process.stdout.write(
      `No CAPSTREAM_ADMIN_TOKEN and no token yet: admin token (shown once): ${running.generatedAdminToken}\n`,
    );
  }
  return {
    url: running.url,
    async close() {
      await running.close();
      await backend.close();
    },
  };
}

async function startDashboardRole(
  host: string,
  port: number,
  registry: Registry,
  log: Logger,
): Promise<Front> {
  const { DASHBOARD_DIR, startDashboardServer } = await import('@capstream/api/dashboard');
  const server = await startDashboardServer({ host, port, dir: DASHBOARD_DIR, registry });
  if (!server.ready) {
    log.error({ dir: DASHBOARD_DIR }, 'no dashboard export there: /readyz answers 503 until one is built');
  }
  return server;
}
