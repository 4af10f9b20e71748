import { readFileSync } from 'node:fs';
import { CapstreamError } from '@capstream/core';

/**
 * The embedded mode's settings, read and validated in one place: a JSON file (`--config FILE`
 * or CAPSTREAM_CONFIG). CAPSTREAM_FETCH_MAX_BYTES, CAPSTREAM_FETCH_TIMEOUT_MS and
 * CAPSTREAM_STOP_TIMEOUT_MS win over the file; the file's allow-list adds to
 * CAPSTREAM_FETCH_ALLOW; its geo paths win over CAPSTREAM_GEO_*. Unknown keys are errors, so a
 * typo never silently does nothing.
 */
export interface EmbeddedConfig {
  fetch: {
    /** Hosts and CIDRs (optionally :port) a server-side fetch may reach despite the guard. */
    allow: string[];
    maxBytes?: number;
    timeoutMs?: number;
  };
  geo: {
    cityDb?: string;
    asnDb?: string;
    countryDb?: string;
  };
  /** Segment size in bytes (default 1 MiB). */
  segmentBytes?: number;
  /** How often a live stream's active flows are flushed (ms). */
  liveFlushMs?: number;
  /**
   * How long `capstream serve` may take to stop after SIGTERM before it exits anyway (ms; default
   * 25,000, inside the Deployments' grace periods). What it had not committed is delivered again.
   */
  stopTimeoutMs?: number;
}

export class ConfigError extends CapstreamError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

const KEYS: Record<string, readonly string[]> = {
  '': ['fetch', 'geo', 'segmentBytes', 'liveFlushMs', 'stopTimeoutMs'],
  fetch: ['allow', 'maxBytes', 'timeoutMs'],
  geo: ['cityDb', 'asnDb', 'countryDb'],
};

export function loadEmbeddedConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): EmbeddedConfig {
  const file = path ?? env.CAPSTREAM_CONFIG;
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
    }
  }
  const where = file ?? 'config';
  const c = object(raw, '', where);
  const fetch = object(c.fetch ?? {}, 'fetch', where);
  const geo = object(c.geo ?? {}, 'geo', where);
  const config: EmbeddedConfig = {
    fetch: {
      allow: stringList(fetch.allow ?? [], 'fetch.allow', where),
      maxBytes: positive(fetch.maxBytes, 'fetch.maxBytes', where),
      timeoutMs: positive(fetch.timeoutMs, 'fetch.timeoutMs', where),
    },
    geo: {
      cityDb: optionalString(geo.cityDb, 'geo.cityDb', where),
      asnDb: optionalString(geo.asnDb, 'geo.asnDb', where),
      countryDb: optionalString(geo.countryDb, 'geo.countryDb', where),
    },
    segmentBytes: positive(c.segmentBytes, 'segmentBytes', where),
    liveFlushMs: positive(c.liveFlushMs, 'liveFlushMs', where),
    stopTimeoutMs: positive(c.stopTimeoutMs, 'stopTimeoutMs', where),
  };
  // The environment wins over the file.
  const num = (name: string) =>
    env[name] === undefined ? undefined : positive(Number(env[name]), name, 'environment');
  config.fetch.maxBytes = num('CAPSTREAM_FETCH_MAX_BYTES') ?? config.fetch.maxBytes;
  config.fetch.timeoutMs = num('CAPSTREAM_FETCH_TIMEOUT_MS') ?? config.fetch.timeoutMs;
  config.stopTimeoutMs = num('CAPSTREAM_STOP_TIMEOUT_MS') ?? config.stopTimeoutMs;
  return config;
}

function object(v: unknown, path: string, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(`${where}: ${path || 'the top level'} must be an object`);
  }
  for (const k of Object.keys(v)) {
    if (!KEYS[path]?.includes(k)) {
      throw new ConfigError(
        `${where}: unknown setting ${path ? `${path}.` : ''}${k} (known: ${KEYS[path]?.join(', ')})`,
      );
    }
  }
  return v as Record<string, unknown>;
}

function positive(v: unknown, path: string, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${where}: ${path} must be a positive number (got ${JSON.stringify(v)})`);
  }
  return v;
}

function optionalString(v: unknown, path: string, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '')
    throw new ConfigError(`${where}: ${path} must be a non-empty string`);
  return v;
}

function stringList(v: unknown, path: string, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`${where}: ${path} must be a list of strings`);
  }
  return v as string[];
}
