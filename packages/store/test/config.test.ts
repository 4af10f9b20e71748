import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStoreConfig, storeConfigFromEnv, validateStoreConfig } from '../src/config.ts';
import { StoreError } from '../src/errors.ts';

const defaults = { dataDir: '/var/lib/capstream' };

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

test('without CLICKHOUSE_URL: chDB under the data directory, database capstream', () => {
  assert.deepEqual(storeConfigFromEnv({}, defaults), {
    kind: 'chdb',
    path: '/var/lib/capstream/chdb',
    database: 'capstream',
  });
  assert.deepEqual(storeConfigFromEnv({ CLICKHOUSE_DATABASE: 'cs2', CLICKHOUSE_URL: '  ' }, defaults), {
    kind: 'chdb',
    path: '/var/lib/capstream/chdb',
    database: 'cs2',
  });
});

test('with CLICKHOUSE_URL: a server, credentials from the environment or moved out of the URL', () => {
  assert.deepEqual(
    storeConfigFromEnv(
      {
        CLICKHOUSE_URL: 'http://clickhouse:8123',
        CLICKHOUSE_USER: 'capstream',
        CLICKHOUSE_PASSWORD: 's3cret',
      },
      defaults,
    ),
    {
      kind: 'server',
      url: 'http://clickhouse:8123',
      username: 'capstream',
      password: 's3cret',
      database: 'capstream',
    },
  );
  const fromUrl = storeConfigFromEnv({ CLICKHOUSE_URL: 'https://bob:p%40ss@ch.example:8443/' }, defaults);
  assert.deepEqual(fromUrl, {
    kind: 'server',
    url: 'https://ch.example:8443',
    username: 'bob',
    password: 'p@ss',
    database: 'capstream',
  });
  const described = describeStoreConfig(fromUrl);
  assert.doesNotMatch(described, /p@ss|p%40ss/);
  assert.match(described, /ch\.example:8443/);
});

test('bad settings say what to fix', () => {
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_URL: 'clickhouse:8123' }, defaults), /http/);
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_URL: 'not a url' }, defaults), /CLICKHOUSE_URL is not a URL/);
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_URL: 'tcp://ch:9000' }, defaults), /http:\/\/ or https:\/\//);
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_DATABASE: 'cap-stream' }, defaults), /identifier/);
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_DATABASE: 'x`; DROP' }, defaults), /identifier/);
  invalid(() => storeConfigFromEnv({ CLICKHOUSE_PASSWORD: 'pw' }, defaults), /CLICKHOUSE_URL is not/);
  invalid(() => storeConfigFromEnv({}, { dataDir: '' }), /data directory/);
  invalid(() => validateStoreConfig({ kind: 'chdb', path: ':memory:' }), /:memory:/);
  invalid(
    () => validateStoreConfig({ kind: 'server', url: 'http://ch:8123', password: 'pw', database: 'x' }),
    /without a user/,
  );
});
