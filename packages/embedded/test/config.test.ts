import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadEmbeddedConfig } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

describe('embedded config', () => {
  it('reads a file, with the environment winning for the fetch caps', () => {
    const p = file(
      'ok.json',
      JSON.stringify({
        fetch: { allow: ['10.1.2.0/24', 'files.example:8443'], maxBytes: 1000 },
        segmentBytes: 65536,
        stopTimeoutMs: 10000,
      }),
    );
    const c = loadEmbeddedConfig(p, { CAPSTREAM_FETCH_MAX_BYTES: '2000' });
    assert.deepEqual(c.fetch.allow, ['10.1.2.0/24', 'files.example:8443']);
    assert.equal(c.fetch.maxBytes, 2000);
    assert.equal(c.segmentBytes, 65536);
    assert.equal(c.stopTimeoutMs, 10000);
    assert.equal(loadEmbeddedConfig(p, { CAPSTREAM_STOP_TIMEOUT_MS: '3000' }).stopTimeoutMs, 3000);
    assert.throws(
      () => loadEmbeddedConfig(p, { CAPSTREAM_STOP_TIMEOUT_MS: 'soon' }),
      /CAPSTREAM_STOP_TIMEOUT_MS must be a positive number/,
    );
    assert.deepEqual(loadEmbeddedConfig(undefined, {}).fetch.allow, []);
    assert.deepEqual(loadEmbeddedConfig(undefined, { CAPSTREAM_CONFIG: p }).fetch.allow.length, 2);
  });

  it('says what is wrong and where', () => {
    const cases: [string, RegExp][] = [
      ['{ "fetch": { "alow": [] } }', /unknown setting fetch\.alow \(known: allow, maxBytes, timeoutMs\)/],
      ['{ "segmentBytes": -1 }', /segmentBytes must be a positive number \(got -1\)/],
      ['{ "fetch": { "allow": "10.0.0.0/8" } }', /fetch\.allow must be a list of strings/],
      ['{ nope', /not valid JSON/],
      ['[]', /the top level must be an object/],
    ];
    for (const [body, pattern] of cases) {
      const p = file(`bad${cases.findIndex((c) => c[0] === body)}.json`, body);
      assert.throws(
        () => loadEmbeddedConfig(p, {}),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.code === 'CONFIG_INVALID' &&
          pattern.test(e.message) &&
          e.message.startsWith(p),
      );
    }
    assert.throws(
      () => loadEmbeddedConfig(join(dir, 'missing.json'), {}),
      /cannot read the config file \(ENOENT\)/,
    );
    assert.throws(
      () => loadEmbeddedConfig(undefined, { CAPSTREAM_FETCH_TIMEOUT_MS: 'soon' }),
      /environment: CAPSTREAM_FETCH_TIMEOUT_MS must be a positive number/,
    );
  });
});
