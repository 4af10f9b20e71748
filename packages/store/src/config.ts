import { isAbsolute, join, resolve } from 'node:path';
import { redactUrl } from '@capstream/core';
import { StoreError } from './errors.ts';

export const DEFAULT_DATABASE = 'capstream';

/**
 * Where the data lives. `chdb`: ClickHouse embedded in this process, on a data directory that this
 * process owns (one writing process per directory). `server`: a ClickHouse server over HTTP(S).
 */
export type StoreConfig =
  | { kind: 'chdb'; path: string; database?: string }
  | { kind: 'server'; url: string; username?: string; password?: string; database: string };

export interface StoreConfigDefaults {
  /** Capstream's data directory: chDB keeps its files under `<dataDir>/chdb`. */
  dataDir: string;
  /** Database name when CLICKHOUSE_DATABASE is unset; `capstream` if omitted. */
  database?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Reads the store's settings from the environment, in one place:
 * - CLICKHOUSE_URL (http:// or https://, credentials in the URL are accepted and moved out of it):
 *   a ClickHouse server; CLICKHOUSE_USER, CLICKHOUSE_PASSWORD and CLICKHOUSE_DATABASE (default
 *   `capstream`) go with it.
 * - otherwise chDB under `<defaults.dataDir>/chdb`, database CLICKHOUSE_DATABASE or `capstream`.
 * Throws StoreError('CONFIG_INVALID') with what to fix.
 */
export function storeConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: StoreConfigDefaults,
): StoreConfig {
  const val = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const database = val('CLICKHOUSE_DATABASE') ?? defaults.database ?? DEFAULT_DATABASE;
  const url = val('CLICKHOUSE_URL');
  if (url === undefined) {
    if (val('CLICKHOUSE_USER') !== undefined || val('CLICKHOUSE_PASSWORD') !== undefined) {
      throw new StoreError(
        'CONFIG_INVALID',
        'CLICKHOUSE_USER or CLICKHOUSE_PASSWORD is set but CLICKHOUSE_URL is not: set CLICKHOUSE_URL to use a ClickHouse server, or unset them to use the embedded chDB',
      );
    }
    if (!defaults.dataDir) {
      throw new StoreError('CONFIG_INVALID', 'no data directory for the embedded chDB store');
    }
    return validateStoreConfig({ kind: 'chdb', path: join(resolve(defaults.dataDir), 'chdb'), database });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError(
      'CONFIG_INVALID',
      `CLICKHOUSE_URL is not a URL (expected e.g. http://clickhouse:8123): ${redactUrl(url)}`,
    );
  }
  let username = val('CLICKHOUSE_USER');
  let password = val('CLICKHOUSE_PASSWORD');
  if (parsed.username !== '' || parsed.password !== '') {
    username ??= decodeURIComponent(parsed.username) || undefined;
    password ??= decodeURIComponent(parsed.password) || undefined;
    parsed.username = '';
    parsed.password = '';
  }
  return validateStoreConfig({
    kind: 'server',
    url: parsed.toString().replace(/\/$/, ''),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    database,
  });
}

/** Checks a config built by hand or from the environment; returns it normalised or throws CONFIG_INVALID. */
export function validateStoreConfig(config: StoreConfig): StoreConfig {
  const database = config.database ?? DEFAULT_DATABASE;
  if (!IDENTIFIER.test(database)) {
    throw new StoreError(
      'CONFIG_INVALID',
      `database name ${JSON.stringify(database)} is not a plain identifier (letters, digits, _; not starting with a digit; at most 64)`,
    );
  }
  switch (config.kind) {
    case 'chdb': {
      if (typeof config.path !== 'string' || config.path.trim() === '' || config.path === ':memory:') {
        throw new StoreError(
          'CONFIG_INVALID',
          'chDB needs a data directory path (":memory:" is not supported: the store keeps data on disk)',
        );
      }
      const path = isAbsolute(config.path) ? config.path : resolve(config.path);
      return { kind: 'chdb', path, database };
    }
    case 'server': {
      let url: URL;
      try {
        url = new URL(config.url);
      } catch {
        throw new StoreError('CONFIG_INVALID', `ClickHouse URL is not a URL: ${redactUrl(config.url)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new StoreError(
          'CONFIG_INVALID',
          `ClickHouse URL must be http:// or https:// (the HTTP interface, usually port 8123 or 8443), got ${url.protocol}//`,
        );
      }
      if (url.username !== '' || url.password !== '') {
        throw new StoreError(
          'CONFIG_INVALID',
          'ClickHouse URL must not carry credentials: pass username and password separately',
        );
      }
      if (config.password !== undefined && config.username === undefined) {
        throw new StoreError(
          'CONFIG_INVALID',
          'a ClickHouse password is set without a user (CLICKHOUSE_USER)',
        );
      }
      return { ...config, database };
    }
    default: {
      const never: never = config;
      throw new StoreError(
        'CONFIG_INVALID',
        `unknown store kind ${JSON.stringify((never as { kind: unknown }).kind)}`,
      );
    }
  }
}

/** A one-line description safe to log: no password, no query string. */
export function describeStoreConfig(config: StoreConfig): string {
  const database = config.database ?? DEFAULT_DATABASE;
  switch (config.kind) {
    case 'chdb':
      return `chDB at ${config.path}, database ${database}`;
    case 'server':
      return `ClickHouse at ${redactUrl(config.url)}${config.username ? ` as ${config.username}` : ''}, database ${database}`;
    default: {
      const never: never = config;
      return String(never);
    }
  }
}
