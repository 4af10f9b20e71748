import { describeStoreConfig, openStore, type Store, StoreError, storeConfigFromEnv } from '@capstream/store';
import { UsageError } from '../errors.ts';

export interface MigrateOptions {
  data: string;
  /** Seconds to keep trying while the store does not answer yet. */
  timeout: string;
}

/**
 * `capstream migrate`: brings the store's schema to what this version wants (the store's own
 * idempotent migrations: compare, change only what differs) and prints what changed. Against a
 * ClickHouse server (CLICKHOUSE_URL) it is the one-shot Job that runs before the services roll;
 * without CLICKHOUSE_URL it migrates the embedded chDB under --data.
 *
 * While the server does not answer (a Job started alongside ClickHouse) it retries until
 * --timeout; a migration that fails or a schema conflict ends it at once with a non-zero status.
 */
export async function migrateCommand(
  opts: MigrateOptions,
  env: NodeJS.ProcessEnv = process.env,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const timeoutSec = Number(opts.timeout);
  if (!Number.isFinite(timeoutSec) || timeoutSec < 0) {
    throw new UsageError(`--timeout: '${opts.timeout}' is not a number of seconds`);
  }
  const config = storeConfigFromEnv(env, { dataDir: opts.data });
  const where = describeStoreConfig(config);
  const deadline = Date.now() + timeoutSec * 1000;
  let wait = 500;
  let store: Store;
  for (;;) {
    try {
      store = await openStore(config);
      break;
    } catch (e) {
      // Only "not reachable yet" is worth waiting for; migration failures and conflicts are final.
      const unreachable = e instanceof StoreError && e.code === 'QUERY_FAILED';
      if (!unreachable || Date.now() + wait > deadline) throw e;
      process.stderr.write(`capstream migrate: ${(e as Error).message}; trying again in ${wait} ms\n`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 10_000);
    }
  }
  try {
    const applied = store.migrations.applied;
    if (applied.length === 0) out.write(`${where}: schema up to date\n`);
    else {
      out.write(`${where}: ${applied.length} change${applied.length === 1 ? '' : 's'}\n`);
      for (const step of applied) out.write(`  ${step}\n`);
    }
  } finally {
    await store.close();
  }
}
