import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type EmbeddedConfig, loadEmbeddedConfig } from '@capstream/embedded';
import { TOPICS } from '@capstream/pipeline';
import { UsageError } from '../errors.ts';
import { listenAddress, parseRoles, type RoleName, type ServeOptions, serviceEnv } from './serve.ts';

/**
 * `capstream serve ROLE --check`: reads and validates what the role would run with (environment,
 * settings file, flags) with the same functions the role uses, loads the role's modules (so a
 * missing dependency, native library or packaged database shows here rather than in a crash
 * loop), prints the plan and returns. Nothing is contacted: no broker, no ClickHouse.
 *
 * Used by the container image test (every role of the deployment, in the image's production
 * dependency set) and by operators before a rollout (`kubectl run ... -- serve geo --check`).
 */

interface CheckContext {
  roles: readonly RoleName[];
  env: NodeJS.ProcessEnv;
  dataDir: string;
  config: EmbeddedConfig;
}

type Plan = [what: string, detail: string][];

/** pino's levels (the services' logger). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Each role's own checks. */
const ROLE_CHECKS: Record<RoleName, (c: CheckContext) => Promise<Plan>> = {
  ingest: checkIngest,
  parser: checkParser,
  writer: checkWriter,
  api: checkApi,
  dashboard: checkDashboard,
};

/** What listens on --port, by the roles of the process (as serve starts them). */
function httpPaths(roles: readonly RoleName[]): string {
  if (roles.includes('api')) {
    return `/graphql /api/ /healthz /readyz /metrics${roles.includes('dashboard') ? ' and the dashboard at /' : ''}`;
  }
  if (roles.includes('dashboard')) return 'the dashboard at /, /healthz /readyz /metrics';
  return '/healthz /readyz /metrics';
}

export async function checkServe(
  roleText: string,
  opts: ServeOptions,
  env: NodeJS.ProcessEnv = process.env,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const roles = parseRoles(roleText);
  const { brokers } = serviceEnv(env, roles);
  const { host, port } = listenAddress(opts);
  const level = env.CAPSTREAM_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new UsageError(`CAPSTREAM_LOG_LEVEL: '${level}' is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const ctx: CheckContext = {
    roles,
    env,
    dataDir: resolve(opts.data),
    config: loadEmbeddedConfig(opts.config, env),
  };
  const plan: Plan = [
    [
      'kafka',
      brokers
        ? `${brokers.join(', ')} (not contacted; the pipeline topics are created if missing)`
        : 'not used by this role',
    ],
    ['http', `${host}:${port === 0 ? 'any free port' : port}  ${httpPaths(roles)}`],
    ['log level', level],
    ['config', opts.config ?? env.CAPSTREAM_CONFIG ?? '(none: defaults and environment)'],
  ];
  for (const role of roles) {
    const lines = await ROLE_CHECKS[role](ctx);
    // Several roles in one process: each line says whose it is.
    plan.push(...lines.map(([k, v]): [string, string] => [roles.length > 1 ? `${role} ${k}` : k, v]));
  }
  const width = Math.max(...plan.map(([k]) => k.length));
  out.write(`capstream serve ${roles.join(',')} --check: ok, nothing was contacted\n`);
  for (const [k, v] of plan) out.write(`  ${k.padEnd(width)}  ${v}\n`);
}

/** Runs a validation step; an error of any type becomes one clear line naming what was checked. */
function checked<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
}

/** The data directory exists and is writable, or can be created (its nearest ancestor is writable). */
function writableDir(dir: string): string {
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`--data ${dir}: ${existing} is not a directory`);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(
      `--data ${dir}: ${existing} is not writable by this user (uid ${process.getuid?.() ?? '?'}); mount a writable volume there`,
    );
  }
  return existing === dir ? dir : `${dir} (created under ${existing})`;
}

async function checkIngest(c: CheckContext): Promise<Plan> {
  const { ingestConfig } = await import('@capstream/ingest');
  const { fetchPolicy } = await import('@capstream/ingest/sources');
  const f = c.config.fetch;
  const policy = checked('fetch settings (CAPSTREAM_FETCH_*, config fetch.*)', () =>
    fetchPolicy({ allow: f.allow, maxBytes: f.maxBytes, timeoutMs: f.timeoutMs, env: c.env }),
  );
  const ingest = checked('ingest settings', () =>
    ingestConfig({
      archiveDir: resolve(c.dataDir, 'captures'),
      ...(c.config.segmentBytes ? { segmentBytes: c.config.segmentBytes } : {}),
    }),
  );
  return [
    ['consumes', TOPICS.jobs],
    ['produces', `${TOPICS.segments} (segments of at most ${ingest.segmentBytes} bytes), ${TOPICS.events}`],
    ['data', `${writableDir(c.dataDir)}: capture archive captures/, uploads uploads/ (shared with parsers)`],
    [
      'fetch',
      `at most ${policy.maxBytes} bytes in ${policy.timeoutMs} ms; ${policy.allow.size} allow-list entr${policy.allow.size === 1 ? 'y' : 'ies'}`,
    ],
  ];
}

async function checkParser(c: CheckContext): Promise<Plan> {
  const { parserConfig } = await import('@capstream/parser');
  const parser = checked('parser settings', () =>
    parserConfig(c.config.liveFlushMs ? { liveFlushMs: c.config.liveFlushMs } : {}),
  );
  return [
    ['consumes', TOPICS.segments],
    ['produces', `${TOPICS.flows}, ${TOPICS.dns}, ${TOPICS.events}`],
    [
      'data',
      `${writableDir(c.dataDir)}: replays captures/<id>.cap from the archive ingest writes (shared volume)`,
    ],
    ['live flush', `every ${parser.liveFlushMs} ms`],
  ];
}

async function checkWriter(c: CheckContext): Promise<Plan> {
  const { describeStoreConfig, storeConfigFromEnv } = await import('@capstream/store');
  const { defaultDatabasePaths, GEO_GROUP, geoConfigFromEnv } = await import('@capstream/geo');
  const store = checked('store settings (CLICKHOUSE_*)', () =>
    storeConfigFromEnv(c.env, { dataDir: c.dataDir }),
  );
  const files = Object.fromEntries(Object.entries(c.config.geo).filter(([, v]) => v !== undefined));
  const geo = checked('geo settings (CAPSTREAM_GEO_*, config geo.*)', () => geoConfigFromEnv(c.env, files));
  // The packaged databases stand in for every file not configured: they must be in the image.
  const packaged = checked('packaged geo databases', () => defaultDatabasePaths());
  const needed: Record<keyof typeof packaged, boolean> = {
    country: geo.countryDb === null && geo.cityDb === null,
    cityV4: geo.cityDb === null,
    cityV6: geo.cityDb === null,
    asnV4Csv: geo.asnDb === null,
    asnV6Csv: geo.asnDb === null,
  };
  for (const [k, path] of Object.entries(packaged) as [keyof typeof packaged, string][]) {
    if (needed[k]) checked(`packaged geo database ${k}`, () => accessSync(path, constants.R_OK));
  }
  const storeLine =
    store.kind === 'server'
      ? `${describeStoreConfig(store)} (not contacted)`
      : `${describeStoreConfig(store)}: embedded, one writer process only; set CLICKHOUSE_URL in a cluster`;
  return [
    ['consumes', `${TOPICS.flows} (group ${GEO_GROUP}), ${TOPICS.dns}, ${TOPICS.jobs}, ${TOPICS.events}`],
    ['store', storeLine],
    [
      'geo',
      `country ${geo.countryDb ?? (geo.cityDb ? 'from the city database' : 'packaged')}, city ${geo.cityDb ?? 'packaged'}, asn ${geo.asnDb ?? 'packaged'}; batches of ${geo.batchSize}`,
    ],
  ];
}

async function checkApi(c: CheckContext): Promise<Plan> {
  const { apiConfigFromEnv } = await import('@capstream/api');
  const { describeStoreConfig, storeConfigFromEnv } = await import('@capstream/store');
  const api = checked('API settings (CAPSTREAM_ADMIN_TOKEN, CAPSTREAM_API_*)', () => apiConfigFromEnv(c.env));
  const store = checked('store settings (CLICKHOUSE_*)', () =>
    storeConfigFromEnv(c.env, { dataDir: c.dataDir }),
  );
  return [
    [
      'consumes',
      `${TOPICS.jobs}, ${TOPICS.events} (groups of this instance only, capstream-api-<host>-<random>-*: from the latest offsets, never committed)`,
    ],
    ['produces', `${TOPICS.jobs}; live streams: ${TOPICS.segments}, ${TOPICS.events}`],
    [
      'store',
      store.kind === 'server'
        ? `${describeStoreConfig(store)} (not contacted; migrated by the Job and the writer)`
        : `${describeStoreConfig(store)}: the writer's, shared in this process`,
    ],
    ['admin token', api.adminToken ? 'from CAPSTREAM_ADMIN_TOKEN' : 'none set: one is generated at start'],
    [
      'limits',
      `pages of ${api.maxPageSize}, depth ${api.maxDepth}, cost ${api.maxCost}, ${api.queryTimeoutSeconds} s`,
    ],
    [
      'data',
      `${writableDir(c.dataDir)}: uploads (uploads/, uploads-partial/), the capture archive captures/ (shared volume)`,
    ],
  ];
}

async function checkDashboard(_c: CheckContext): Promise<Plan> {
  const { DASHBOARD_DIR, dashboardBuilt } = await import('@capstream/api/dashboard');
  // Not an error here: the service starts and reports itself unready, which is what a probe sees.
  return [
    [
      'export',
      dashboardBuilt(DASHBOARD_DIR)
        ? `${DASHBOARD_DIR} (built)`
        : `${DASHBOARD_DIR} MISSING: /readyz will answer 503 (build it: node scripts/build-dashboard.mjs)`,
    ],
  ];
}
