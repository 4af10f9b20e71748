// API benchmark: p50/p95 latency of every dashboard query and of a flows page, over 10 million
// stored flows, through the real GraphQL endpoint (NestJS + Mercurius, chDB).
//
//   npm run bench -- --suite api [--flows 10000000] [--runs 15] [--write]
//
// The flows come from the pipeline: the parse benchmark's capture (bench-data, 1000 MB, ~200k
// flows) is ingested by the embedded pipeline once, then its rows are replicated inside ClickHouse
// (INSERT ... SELECT with new capture ids, each replica shifted by whole hours so the data spans
// days) until the store holds --flows flows. The store is kept in bench-data/api-<N> between runs.
// Every query runs twice to warm up, then --runs times; latency is wall time of the HTTP request.
// --write replaces the section between the api-bench markers in docs/BENCHMARKS.md.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiConfigFromEnv, embeddedBackend, startApi } from '@capstream/api';
import { startEmbedded } from '@capstream/embedded';
import { silentLogger } from '@capstream/pipeline';
import { execForTest, queryForTest } from '@capstream/store/testing';
import {
  argValue,
  DEFAULT_DIR,
  DEFAULT_PARAMS,
  ensureCapture,
  positiveNumber,
  REPO_ROOT,
} from './generate.ts';

const DOC = join(REPO_ROOT, 'docs/BENCHMARKS.md');
const TOKEN = 'bench-admin-token-0123456789';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function buildStore(dataDir: string, target: number): Promise<void> {
  const capture = ensureCapture({ ...DEFAULT_PARAMS, sizeMb: 1000 }, { dir: DEFAULT_DIR });
  rmSync(dataDir, { recursive: true, force: true });
  const app = await startEmbedded({ dataDir });
  const t0 = performance.now();
  const queued = await app.submit({ source: capture.path, name: 'bench base' });
  const done = await app.tracker.finished(queued.capture_id);
  process.stderr.write(
    `ingested ${done.flows} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s through the pipeline\n`,
  );
  const db = app.store.database;
  const replicas = Math.ceil(target / done.flows) - 1;
  const t1 = performance.now();
  for (let i = 1; i <= replicas; i++) {
    const id = `${queued.capture_id}-r${i}`;
    // Each replica is its own capture, shifted by i hours; a few datasets group them.
    await execForTest(
      app.store,
      `INSERT INTO \`${db}\`.flows SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''
       SELECT * REPLACE (
         {id:String} AS capture_id,
         first_seen + toIntervalHour({i:UInt32}) AS first_seen,
         last_seen + toIntervalHour({i:UInt32}) AS last_seen)
       FROM \`${db}\`.flows AS src WHERE src.capture_id = {base:String}`,
      { id, i, base: queued.capture_id },
    );
    await app.store.captures.upsert({
      ...done,
      capture_id: id,
      dataset_id: `bench-${i % 4}`,
      name: `bench replica ${i}`,
    });
    if (i % 10 === 0) process.stderr.write(`replicated ${i}/${replicas}\n`);
  }
  const [n] = await queryForTest<{ n: string }>(app.store, `SELECT count() AS n FROM \`${db}\`.flows`);
  process.stderr.write(
    `store holds ${n!.n} flows (replicas in ${((performance.now() - t1) / 1000).toFixed(1)} s)\n`,
  );
  // Merged as a store that has lived a while would be: measures then do not race the merges.
  const tables = await queryForTest<{ name: string }>(
    app.store,
    `SELECT name FROM system.tables WHERE database = '${db}' AND engine LIKE '%MergeTree'`,
  );
  for (const { name } of tables) await execForTest(app.store, `OPTIMIZE TABLE \`${db}\`.\`${name}\` FINAL`);
  await app.stop();
  writeFileSync(
    join(dataDir, 'bench-ready.json'),
    JSON.stringify({ flows: Number(n!.n), base: done.capture_id }),
  );
}

function cases(base: string, firstSeen: string): Case[] {
  const all = {};
  const dataset = { datasetIds: ['bench-1'] };
  const from = new Date(Date.parse(firstSeen) + 6 * 3600_000).toISOString();
  const to = new Date(Date.parse(firstSeen) + 18 * 3600_000).toISOString();
  const narrowed = { from, to, apps: ['tls', 'quic', 'dns'] };
  const list: Case[] = [];
  for (const [label, f] of [
    ['all 10M', all],
    ['one dataset', dataset],
    ['12 h, 3 apps', narrowed],
  ] as const) {
    const v = { f };
    list.push(
      {
        name: `overview (${label})`,
        query:
          'query($f: FlowFilter) { overview(filter: $f) { flows packets bytes uniqueIps protocols { app flows bytes } countries { country flows } } }',
        variables: v,
      },
      {
        name: `flows page (${label})`,
        query:
          'query($f: FlowFilter) { flows(filter: $f, first: 100, orderBy: { field: BYTES, direction: DESC }) { totalCount edges { node { id firstSeen srcIp srcPort dstIp dstPort app serverName bytesSrc bytesDst dstCountry } } } }',
        variables: v,
      },
      {
        name: `top talkers (${label})`,
        query:
          'query($f: FlowFilter) { topTalkers(filter: $f, end: ANY, by: BYTES, limit: 20) { ip flows bytesSent bytesReceived country asOrg } }',
        variables: v,
      },
      {
        name: `timeline (${label})`,
        query: 'query($f: FlowFilter) { timeline(filter: $f) { step points { t flows bytes } } }',
        variables: v,
      },
      {
        name: `geo (${label})`,
        query: 'query($f: FlowFilter) { geo(filter: $f) { country flows bytesSent bytesReceived } }',
        variables: v,
      },
      {
        name: `duration histogram (${label})`,
        query: 'query($f: FlowFilter) { durationHistogram(filter: $f) { label flows byApp { app flows } } }',
        variables: v,
      },
      {
        name: `sankeys (${label})`,
        query:
          'query($f: FlowFilter) { protocolCountry(filter: $f) { source target flows } protocolDay(filter: $f) { source target flows } }',
        variables: v,
      },
      {
        name: `day × hour (${label})`,
        query: 'query($f: FlowFilter) { dayHour(filter: $f) { day hour flows bytes } }',
        variables: v,
      },
      {
        name: `port ranges (${label})`,
        query: 'query($f: FlowFilter) { portRanges(filter: $f) { label flows } }',
        variables: v,
      },
    );
  }
  list.push({
    name: 'compare two captures',
    query:
      'query($a: ID!, $b: ID!) { compareCaptures(a: $a, b: $b) { protocols { key a b } countries { key a b } appeared vanished } }',
    variables: { a: base, b: `${base}-r1` },
  });
  return list;
}

/** The benchmark store with `--flows` flows (built once, kept in bench-data). */
export async function ensureBenchStore(
  argv: string[],
): Promise<{ dataDir: string; ready: { flows: number; base: string } }> {
  const target = Math.floor(positiveNumber(argv, '--flows', 10_000_000));
  const dataDir = argValue(argv, '--data') ?? join(DEFAULT_DIR, `api-${target}`);
  const readyFile = join(dataDir, 'bench-ready.json');
  if (!existsSync(readyFile)) await buildStore(dataDir, target);
  return { dataDir, ready: JSON.parse(readFileSync(readyFile, 'utf8')) as { flows: number; base: string } };
}

/** Replaces the text between two markers in docs/BENCHMARKS.md (or appends a section). */
export function writeSection(mark: string, title: string, command: string, body: string): void {
  const start = `<!-- ${mark}:start -->`;
  const end = `<!-- ${mark}:end -->`;
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const block = `${start}\n\nCommand: \`${command}\` (${new Date().toISOString().slice(0, 10)})\n\n${body}\n\n${end}`;
  writeFileSync(
    DOC,
    a >= 0 && b > a
      ? `${doc.slice(0, a)}${block}${doc.slice(b + end.length)}`
      : `${doc.trimEnd()}\n\n## ${title}\n\n${block}\n`,
  );
}

export async function benchApi(argv: string[]): Promise<void> {
  const runs = Math.floor(positiveNumber(argv, '--runs', 15));
  const { dataDir, ready } = await ensureBenchStore(argv);

  const app = await startEmbedded({ dataDir });
  const api = await startApi({
    backend: embeddedBackend(app, { host: '127.0.0.1', log: silentLogger }),
    log: silentLogger,
    uploadDir: join(dataDir, 'partial'),
    config: apiConfigFromEnv({}, { host: '127.0.0.1', port: 0, adminToken: TOKEN }),
  });
  const base = await app.store.captures.get(ready.base);
  const post = async (c: Case): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: c.query, variables: c.variables ?? {} }),
    });
    const body = (await res.json()) as { errors?: unknown };
    const ms = performance.now() - t0;
    if (body.errors) throw new Error(`${c.name}: ${JSON.stringify(body.errors)}`);
    return ms;
  };
  const rows: { name: string; p50: number; p95: number }[] = [];
  for (const c of cases(ready.base, base!.first_seen!)) {
    await post(c);
    await post(c);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await post(c));
    times.sort((a, b) => a - b);
    rows.push({ name: c.name, p50: percentile(times, 50), p95: percentile(times, 95) });
    process.stderr.write(
      `${c.name}: p50 ${rows.at(-1)!.p50.toFixed(0)} ms, p95 ${rows.at(-1)!.p95.toFixed(0)} ms\n`,
    );
  }
  await api.close();
  await app.stop();

  const table = [
    `${ready.flows.toLocaleString('en-US')} flows stored (chDB, embedded); ${runs} timed runs per query after 2 warm-ups.`,
    '',
    '| query | p50 ms | p95 ms | target |',
    '|---|---:|---:|---|',
    ...rows.map((r) => {
      const limit = r.name.startsWith('flows page') ? 100 : 300;
      return `| ${r.name} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p95 <= limit ? 'met' : '**not met**'} (p95 < ${limit} ms) |`;
    }),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (argv.includes('--write')) {
    writeSection('api-bench', 'API queries', `npm run bench -- --suite api --runs ${runs} --write`, table);
  }
}
