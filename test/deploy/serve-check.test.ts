// The two commands the deployment relies on: `capstream serve ROLE --check` (validates and prints
// the plan, contacts nothing) and `capstream migrate` (the migration Job), through the real CLI:
// in a child process where the exit status and output matter, else in this process (the
// services' modules take seconds to load; once is enough).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { CapstreamError } from '@capstream/core';
import type { ServeOptions } from '../../packages/cli/src/commands/serve.ts';
import { serveCommand } from '../../packages/cli/src/commands/serve.ts';
import { checkServe } from '../../packages/cli/src/commands/serve-check.ts';
import { REPO } from './support/kustomize.ts';

const tmp = mkdtempSync(join(tmpdir(), 'capstream-serve-check-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI in a child process with exactly this environment (nothing inherited but PATH). */
function capstream(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(REPO, 'bin', 'capstream.mjs'), ...args], {
    cwd: tmp,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/**
 * The check in this process with exactly this environment: resolves with what it printed, or
 * rejects as the CLI would report it (main() prints a CapstreamError's message as one line and
 * exits 1, as the child-process tests show).
 */
async function check(
  role: string,
  flags: Partial<ServeOptions>,
  env: Record<string, string>,
): Promise<string> {
  let printed = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      printed += String(chunk);
      done();
    },
  });
  await checkServe(role, { data: join(tmp, 'data'), port: '0', host: '127.0.0.1', ...flags }, env, out);
  return printed;
}

const KAFKA = { KAFKA_BROKERS: 'kafka-0.example:9092,kafka-1.example:9092' };

describe('serve --check', () => {
  test('parser: exit 0, the plan printed, nothing contacted (the brokers do not exist)', () => {
    const r = capstream(
      ['serve', 'parser', '--check', '--port', '8080', '--host', '0.0.0.0', '--data', join(tmp, 'data')],
      KAFKA,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /serve parser --check: ok/);
    assert.match(r.stdout, /consumes\s+capstream\.segments\.v1/);
    assert.match(r.stdout, /kafka-0\.example:9092, kafka-1\.example:9092/);
    assert.match(r.stdout, /0\.0\.0\.0:8080/);
  });

  test('no KAFKA_BROKERS: exit 1 with one line on stderr, in a child process', () => {
    const r = capstream(['serve', 'ingest', '--check']);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'capstream: KAFKA_BROKERS is not set: the services talk through Kafka (e.g. KAFKA_BROKERS=127.0.0.1:9092)\n',
    );
  });

  test('writer: the ClickHouse server it would use, safe to print (no password)', async () => {
    const printed = await check(
      'writer',
      {},
      {
        ...KAFKA,
        CLICKHOUSE_URL: 'http://clickhouse-capstream:8123',
        CLICKHOUSE_USER: 'capstream',
        CLICKHOUSE_PASSWORD: 'do-not-print-me',
      },
    );
    assert.match(
      printed,
      /ClickHouse at http:\/\/clickhouse-capstream:8123\/? as capstream, database capstream \(not contacted\)/,
    );
    assert.match(printed, /group capstream-geo/);
    assert.doesNotMatch(printed, /do-not-print-me/);
  });

  const bad: [string, string, Partial<ServeOptions>, Record<string, string>, RegExp][] = [
    ['no KAFKA_BROKERS', 'parser', {}, {}, /KAFKA_BROKERS is not set/],
    ['a broker that is not host:port', 'parser', {}, { KAFKA_BROKERS: 'kafka' }, /'kafka' is not host:port/],
    [
      'an unknown log level',
      'parser',
      {},
      { ...KAFKA, CAPSTREAM_LOG_LEVEL: 'loud' },
      /CAPSTREAM_LOG_LEVEL: 'loud'/,
    ],
    ['a port out of range', 'parser', { port: '70000' }, KAFKA, /--port: '70000'/],
    [
      'a bad fetch allow-list entry',
      'ingest',
      {},
      { ...KAFKA, CAPSTREAM_FETCH_ALLOW: 'a/b/c' },
      /fetch settings.*"a\/b\/c"/,
    ],
    [
      'a geo batch size of 0',
      'writer',
      {},
      { ...KAFKA, CAPSTREAM_GEO_BATCH_SIZE: '0' },
      /CAPSTREAM_GEO_BATCH_SIZE: 0/,
    ],
    [
      'a geo database that is not there',
      'writer',
      {},
      { ...KAFKA, CAPSTREAM_GEO_CITY_DB: '/nonexistent/city.mmdb' },
      /CAPSTREAM_GEO_CITY_DB/,
    ],
    [
      'a ClickHouse password without a URL',
      'writer',
      {},
      { ...KAFKA, CLICKHOUSE_PASSWORD: 'x' },
      /CLICKHOUSE_URL is not/,
    ],
    [
      'a ClickHouse URL that is not http(s)',
      'writer',
      {},
      { ...KAFKA, CLICKHOUSE_URL: 'tcp://ch:9000' },
      /http:\/\/ or https:\/\//,
    ],
    ['a data directory under a file', 'parser', { data: '/etc/hostname/data' }, KAFKA, /is not a directory/],
  ];
  for (const [what, role, flags, env, message] of bad) {
    test(`${what}: refused with one clear line`, async () => {
      await assert.rejects(check(role, flags, env), (e: Error) => {
        assert.ok(e instanceof CapstreamError, `${e.constructor.name}: ${e.message}`);
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), e.message);
        return true;
      });
    });
  }

  test('api: its settings and store checked, and what it follows', async () => {
    const CH = { CLICKHOUSE_URL: 'https://ch.example:8443' };
    const printed = await check('api', {}, { ...KAFKA, ...CH, CAPSTREAM_ADMIN_TOKEN: 'x'.repeat(24) });
    assert.match(printed, /serve api --check: ok/);
    assert.match(printed, /admin token\s+from CAPSTREAM_ADMIN_TOKEN/);
    assert.match(
      printed,
      /consumes\s+capstream\.jobs\.v1, capstream\.events\.v1 \(groups of this instance only/,
    );
    assert.match(
      printed,
      /ClickHouse at https:\/\/ch\.example:8443.*\(not contacted; migrated by the Job and the writer\)/,
    );
    await assert.rejects(
      check('api', {}, { ...KAFKA, ...CH, CAPSTREAM_ADMIN_TOKEN: 'short' }),
      /at least 16 characters/,
    );
    await assert.rejects(
      check('api', {}, { ...KAFKA, ...CH, CAPSTREAM_API_MAX_DEPTH: '1' }),
      /CAPSTREAM_API_MAX_DEPTH=1/,
    );
  });

  test('api without a ClickHouse server: refused alone, accepted beside the writer (one process owns chDB)', async () => {
    await assert.rejects(
      check('api', {}, KAFKA),
      /set CLICKHOUSE_URL .* or run both in one process \(serve writer,api\)/,
    );
    const printed = await check('writer,api', {}, KAFKA);
    assert.match(printed, /serve writer,api --check: ok/);
    assert.match(printed, /writer consumes\s+capstream\.flows\.v3/);
    assert.match(printed, /api store\s+chDB .*the writer's, shared in this process/);
    assert.match(printed, /http\s+127\.0\.0\.1:any free port {2}\/graphql/);
  });

  test('dashboard: no Kafka needed, exit 0, the export it serves (in a child process)', () => {
    const r = capstream(['serve', 'dashboard', '--check', '--port', '8080', '--host', '0.0.0.0']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /serve dashboard --check: ok/);
    assert.match(r.stdout, /kafka\s+not used by this role/);
    assert.match(r.stdout, /export\s+\S*apps\/dashboard\/out (\(built\)|MISSING)/);
  });

  test('role lists: unknown and repeated names are refused', async () => {
    await assert.rejects(check('writer,nope', {}, KAFKA), /unknown role 'nope'/);
    await assert.rejects(check('parser,parser', {}, KAFKA), /named twice/);
  });

  test('a settings file is read and checked too', async () => {
    const file = join(tmp, 'settings.json');
    writeFileSync(file, JSON.stringify({ fetch: { alow: [] } }));
    await assert.rejects(check('ingest', { config: file }, KAFKA), /unknown setting fetch\.alow/);
  });

  test('an unknown role is refused before anything else', async () => {
    await assert.rejects(
      serveCommand('nope', { data: tmp, port: '0', host: '127.0.0.1', check: true }),
      /unknown role 'nope'/,
    );
  });
});

describe('migrate', () => {
  test('migrates the embedded store, then finds it up to date', () => {
    const data = join(tmp, 'store');
    const first = capstream(['migrate', '--data', data]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /\d+ changes?\n/);
    assert.match(first.stdout, /create table flows/);
    const again = capstream(['migrate', '--data', data]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /schema up to date/);
  });

  test('a server that does not answer: tries again until --timeout, then exit 1 naming it', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const started = Date.now();
    const r = capstream(['migrate', '--timeout', '1'], {
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      CLICKHOUSE_PASSWORD: 'pw',
      CLICKHOUSE_USER: 'u',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /trying again in \d+ ms/);
    assert.match(r.stderr, new RegExp(`cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.stderr, /pw/);
    assert.ok(Date.now() - started < 20_000);
  });

  test('bad settings stop it at once', () => {
    const r = capstream(['migrate', '--timeout', '60'], { CLICKHOUSE_URL: 'not a url' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /CLICKHOUSE_URL is not a URL/);
  });
});
