import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_GEO_CONFIG, geoConfigFromEnv, resolveGeoConfig } from '../src/config.ts';
import { GeoError } from '../src/errors.ts';
import { defaultDatabasePaths } from '../src/geo-db.ts';

const geoError = (code: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GeoError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, pattern);
  return true;
};

describe('geoConfigFromEnv', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'geo-config-'));
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the defaults for an empty environment', () => {
    assert.deepEqual(geoConfigFromEnv({}), DEFAULT_GEO_CONFIG);
    assert.deepEqual(
      geoConfigFromEnv({ CAPSTREAM_GEO_CITY_DB: '', CAPSTREAM_GEO_BATCH_SIZE: ' ' }),
      DEFAULT_GEO_CONFIG,
    );
  });

  it('reads every variable', () => {
    const city = defaultDatabasePaths().cityV4;
    const country = defaultDatabasePaths().country;
    const c = geoConfigFromEnv({
      CAPSTREAM_GEO_CITY_DB: city,
      CAPSTREAM_GEO_COUNTRY_DB: country,
      CAPSTREAM_GEO_BATCH_SIZE: '250',
      CAPSTREAM_GEO_FLUSH_INTERVAL_MS: '0',
      CAPSTREAM_GEO_MAX_DELAY_MS: '500',
      CAPSTREAM_GEO_CACHE_SIZE: '100',
      CAPSTREAM_GEO_RETRY_MS: '10',
      CAPSTREAM_GEO_MAX_RETRY_MS: '20',
    });
    assert.deepEqual(c, {
      countryDb: country,
      cityDb: city,
      asnDb: null,
      batchSize: 250,
      flushIntervalMs: 0,
      maxDelayMs: 500,
      cacheSize: 100,
      retryMs: 10,
      maxRetryMs: 20,
    });
  });

  it('lets settings given in code win over the environment', () => {
    const c = geoConfigFromEnv({ CAPSTREAM_GEO_BATCH_SIZE: '250' }, { batchSize: 10, cacheSize: undefined });
    assert.equal(c.batchSize, 10);
    assert.equal(c.cacheSize, DEFAULT_GEO_CONFIG.cacheSize);
  });

  it('names the variable of a database file that does not exist', () => {
    const path = join(dir, 'GeoLite2-City.mmdb');
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_CITY_DB: path }),
      geoError('DB_NOT_FOUND', new RegExp(`^CAPSTREAM_GEO_CITY_DB: ${path} does not exist$`)),
    );
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_ASN_DB: dir }),
      geoError('DB_NOT_FOUND', /^CAPSTREAM_GEO_ASN_DB: .* is not a file$/),
    );
  });

  it('refuses a file that is no mmdb', () => {
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_COUNTRY_DB: join(dir, 'notes.txt') }),
      geoError('NOT_MMDB', /^CAPSTREAM_GEO_COUNTRY_DB: .*notes\.txt is not a MaxMind DB \(\.mmdb\) file/),
    );
  });

  it('refuses numbers that cannot be right', () => {
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_BATCH_SIZE: 'lots' }),
      geoError('BAD_CONFIG', /^CAPSTREAM_GEO_BATCH_SIZE: "lots" is not a whole number$/),
    );
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_BATCH_SIZE: '0' }),
      geoError('BAD_CONFIG', /CAPSTREAM_GEO_BATCH_SIZE: 0 is not a whole number from 1 to/),
    );
    assert.throws(
      () => geoConfigFromEnv({ CAPSTREAM_GEO_RETRY_MS: '500', CAPSTREAM_GEO_MAX_RETRY_MS: '100' }),
      geoError('BAD_CONFIG', /CAPSTREAM_GEO_MAX_RETRY_MS is below CAPSTREAM_GEO_RETRY_MS/),
    );
    assert.throws(
      () => resolveGeoConfig({ flushIntervalMs: 1.5 }),
      geoError('BAD_CONFIG', /^flushIntervalMs: 1.5/),
    );
  });
});
