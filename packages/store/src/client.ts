import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { type AnalyticsRepo, createAnalyticsRepo } from './analytics-repo.ts';
import { type CapturesRepo, createCapturesRepo } from './captures-repo.ts';
import { DEFAULT_DATABASE, describeStoreConfig, type StoreConfig, validateStoreConfig } from './config.ts';
import { createDatasetsRepo, type DatasetsRepo } from './datasets-repo.ts';
import { Conn, Db, type RawInsert } from './db.ts';
import { createDnsRepo, type DnsRepo } from './dns-repo.ts';
import { StoreError, storeError } from './errors.ts';
import { createFlowsRepo, type FlowsRepo } from './flows-repo.ts';
import { type MigrationReport, migrate } from './migrations.ts';
import { createTokensRepo, type TokensRepo } from './tokens-repo.ts';

export interface Store {
  readonly kind: StoreConfig['kind'];
  readonly database: string;
  /** Where the store is, safe to log. */
  readonly description: string;
  /** What the migrations changed when this store was opened (empty when up to date or skipped). */
  readonly migrations: MigrationReport;
  readonly captures: CapturesRepo;
  readonly flows: FlowsRepo;
  readonly dns: DnsRepo;
  /** Aggregates and flow pages over a FlowFilter, for the API. */
  readonly analytics: AnalyticsRepo;
  readonly datasets: DatasetsRepo;
  readonly tokens: TokensRepo;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  /** Releases this handle; the connection closes with the last handle on it. Idempotent. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * Run the migrations on open (default true). In a cluster, let one service migrate (the API, or
   * a one-shot job) and open the others with `migrate: false`: concurrent migrations of the same
   * database could both rebuild a rollup.
   */
  migrate?: boolean;
}

/**
 * chDB binds one data directory per process (a second, different path is refused by chDB itself
 * while the first is open), and a data directory must have one writing process. So:
 * - in this process, opening the same path again shares the open connection (each handle counts;
 *   the connection closes with the last `close()`), with its own database if asked; opening another
 *   path while one is open fails with STORE_IN_USE;
 * - across processes, a lock file in the directory (`capstream.lock`, holding the owner's pid)
 *   makes a second process fail with STORE_IN_USE while the owner lives; a lock left by a dead
 *   process is taken over.
 */
interface ChdbBinding {
  path: string;
  conn: Conn;
  refs: number;
  lockFile: string;
}

let chdb: ChdbBinding | undefined;

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

const LOCK_FILE = 'capstream.lock';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeLock(lockFile: string): void {
  try {
    if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile, { force: true });
  } catch {
    // already gone
  }
}

/** Locks still held when the process exits (without close) are removed then. */
const heldLocks = new Set<string>();
let exitHook = false;

function removeOnExit(lockFile: string): void {
  heldLocks.add(lockFile);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const f of heldLocks) removeLock(f);
  });
}

function takeLock(path: string): string {
  const lockFile = join(path, LOCK_FILE);
  try {
    const fd = openSync(lockFile, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return lockFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw storeError('STORE_IN_USE', `cannot lock the chDB data directory ${path}`, err);
    }
  }
  const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
  if (Number.isInteger(owner) && owner !== process.pid && pidAlive(owner)) {
    throw new StoreError(
      'STORE_IN_USE',
      `the chDB data directory ${path} is in use by process ${owner}: one process owns a data directory ` +
        '(stop it, use another directory, or point CLICKHOUSE_URL at a ClickHouse server shared by both)',
    );
  }
  // Left by a process that is gone (or by an earlier life of this pid): take it over.
  writeFileSync(lockFile, `${process.pid}\n`);
  return lockFile;
}

function bindChdb(path: string): ChdbBinding {
  if (chdb) {
    if (chdb.path !== path) {
      throw new StoreError(
        'STORE_IN_USE',
        `this process already has the chDB data directory ${chdb.path} open; chDB holds one per process: ` +
          `close that store before opening ${path}`,
      );
    }
    chdb.refs++;
    return chdb;
  }
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw storeError('CONFIG_INVALID', `cannot create the chDB data directory ${path}`, err);
  }
  const lockFile = takeLock(path);
  let conn: Conn;
  try {
    // chdb's Connection is typed against @clickhouse/client-common 1.23.0, which @clickhouse/client
    // 1.23.1 inlines as its own (equal) types: the same contract, two declarations.
    const chdbConnection = createChdbConnection({ path });
    const connection = chdbConnection as unknown as ClientConnection;
    const rawInsert: RawInsert = (params) => chdbConnection.chdb.rawInsert(params);
    conn = new Conn(createClient({ connection }), true, rawInsert, join(path, 'user_files'));
  } catch (err) {
    removeLock(lockFile);
    throw storeError('STORE_IN_USE', `cannot open chDB at ${path}`, err);
  }
  removeOnExit(lockFile);
  chdb = { path, conn, refs: 1, lockFile };
  return chdb;
}

async function releaseChdb(binding: ChdbBinding): Promise<void> {
  binding.refs--;
  if (binding.refs > 0) return;
  if (chdb === binding) chdb = undefined;
  try {
    await binding.conn.close();
  } finally {
    removeLock(binding.lockFile);
    heldLocks.delete(binding.lockFile);
  }
}

/** Opens the store: connects (chDB or server), migrates the database, and returns the repositories. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const cfg = validateStoreConfig(config);
  const database = cfg.database ?? DEFAULT_DATABASE;
  let conn: Conn;
  let release: () => Promise<void>;
  if (cfg.kind === 'chdb') {
    const binding = bindChdb(cfg.path);
    conn = binding.conn;
    release = () => releaseChdb(binding);
  } else {
    const client = createClient({
      url: cfg.url,
      ...(cfg.username !== undefined ? { username: cfg.username } : {}),
      ...(cfg.password !== undefined ? { password: cfg.password } : {}),
      application: 'capstream',
      request_timeout: 60_000,
      // Failures reach the caller as StoreErrors; the client's own warnings would only repeat them.
      log: { level: ClickHouseLogLevel.ERROR },
    });
    conn = new Conn(client, false);
    release = () => conn.close();
    const ping = await client.ping();
    if (!ping.success) {
      await release();
      throw storeError('QUERY_FAILED', `cannot reach ${describeStoreConfig(cfg)}`, ping.error);
    }
  }
  const db = new Db(conn, database);
  let report: MigrationReport = { applied: [] };
  if (options.migrate !== false) {
    try {
      report = await migrate(db);
    } catch (err) {
      await release();
      throw err;
    }
  }
  let closed = false;
  const store: Store = {
    kind: cfg.kind,
    database,
    description: describeStoreConfig(cfg),
    migrations: report,
    captures: createCapturesRepo(db),
    flows: createFlowsRepo(db),
    dns: createDnsRepo(db),
    analytics: createAnalyticsRepo(db),
    datasets: createDatasetsRepo(db),
    tokens: createTokensRepo(db),
    async ping() {
      if (closed) return false;
      try {
        await db.rows('ping', 'SELECT 1 AS one');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
      await release();
    },
  };
  internals.set(store, db);
  return store;
}

/** For this package's testing helpers only: the Db behind a Store. */
export const internals = new WeakMap<Store, Db>();
