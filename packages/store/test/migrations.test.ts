import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { StoreError } from '../src/errors.ts';
import { DEDUP_WINDOW, FLOWS, ROLLUPS, TABLES } from '../src/schema.ts';
import { execForTest, openTestStore, queryForTest, sampleFlow, type TestStore } from '../src/testing.ts';

const open: TestStore[] = [];
after(async () => {
  for (const s of open) await s.cleanup();
});

async function track(p: Promise<TestStore>): Promise<TestStore> {
  const s = await p;
  open.push(s);
  return s;
}

async function columnsOf(store: TestStore, table: string): Promise<{ name: string; type: string }[]> {
  return queryForTest(
    store,
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    { db: store.database, t: table },
  );
}

async function loadFixture(store: TestStore, file: string): Promise<void> {
  const sql = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .replaceAll('{db}', `\`${store.database}\``);
  for (const stmt of sql.split(/;\s*$/m)) if (stmt.trim() !== '') await execForTest(store, stmt);
}

test('a fresh database gets every table; running the migrations again changes nothing', async () => {
  const first = await track(openTestStore());
  assert.deepEqual(first.migrations.applied, [
    `create database ${first.database}`,
    'create table captures',
    'create table flows',
    'create table dns_names',
    'create table datasets',
    'create table api_tokens',
    'create rollup flows_1m',
    'create rollup flows_1h',
    'create rollup places_1h',
    'create rollup traffic_1h',
    'create rollup shapes_1h',
    'create rollup addresses_1h',
    'create rollup app_addresses_1h',
  ]);
  const indexes = await queryForTest<{ name: string; expr: string }>(
    first,
    `SELECT name, expr FROM system.data_skipping_indices WHERE database = '${first.database}' AND table = 'flows' ORDER BY name`,
  );
  assert.deepEqual(
    indexes.map((i) => i.name),
    FLOWS.indexes!.map((i) => i.name).sort(),
  );
  const [created] = await queryForTest<{ engine_full: string }>(
    first,
    `SELECT engine_full FROM system.tables WHERE database = '${first.database}' AND name = 'flows'`,
  );
  assert.match(created!.engine_full, /index_granularity = 1024/);
  for (const def of [...TABLES, ...ROLLUPS.map((r) => r.table)]) {
    assert.deepEqual(
      await columnsOf(first, def.name),
      def.columns.map((c) => ({ name: c.name, type: c.type })),
      `${def.name} has the wanted columns, in order`,
    );
  }
  const again = await track(openTestStore({ database: first.database }));
  assert.deepEqual(again.migrations.applied, []);
  const third = await track(openTestStore({ database: first.database }));
  assert.deepEqual(third.migrations.applied, []);
});

test('an old schema is migrated forward and keeps its rows', async () => {
  const old = await track(openTestStore({ migrate: false }));
  await execForTest(old, `CREATE DATABASE \`${old.database}\``);
  await loadFixture(old, 'schema-v0.sql');

  const store = await track(openTestStore({ database: old.database }));
  const applied = store.migrations.applied;
  for (const step of [
    "add column captures.first_seen Nullable(DateTime64(9, 'UTC'))",
    'add column captures.counters Map(String, UInt64)',
    'add column flows.time_digits UInt8',
    'modify column flows.src_port UInt16 -> Nullable(UInt16)',
    'add column flows.src_country LowCardinality(Nullable(String))',
    'add column flows.dst_as_org LowCardinality(Nullable(String))',
    `set flows.non_replicated_deduplication_window = ${DEDUP_WINDOW}`,
    'add column dns_names.ip_version UInt8',
    'add column flows.bytes UInt64',
    'add index flows.bytes_minmax',
    'add index flows.last_seen_minmax',
    'rebuild rollup flows_1m',
    'create rollup flows_1h',
    'create rollup traffic_1h',
    'create rollup addresses_1h',
    'create rollup app_addresses_1h',
  ]) {
    assert.ok(applied.includes(step), `applied ${step}; got ${JSON.stringify(applied)}`);
  }
  for (const def of [...TABLES, ...ROLLUPS.map((r) => r.table)]) {
    assert.deepEqual(
      await columnsOf(store, def.name),
      def.columns.map((c) => ({ name: c.name, type: c.type })),
      `${def.name} has the wanted columns, in order`,
    );
  }

  // The old rows read back through the repositories, new columns at their defaults.
  const flows = [];
  for await (const f of store.flows.byCapture('old')) flows.push(f);
  assert.equal(flows.length, 1);
  assert.equal(flows[0]!.version, 2);
  assert.equal(flows[0]!.final, true);
  assert.equal(flows[0]!.src_ip, '10.0.0.1');
  assert.equal(flows[0]!.src_port, 1234);
  assert.equal(flows[0]!.first_seen, '2024-05-01T12:00:00.500000000Z');
  assert.equal(flows[0]!.first_ns, '1714564800500000000');
  assert.equal(flows[0]!.src_scope, 'public');
  assert.equal(flows[0]!.src_country, null);
  const capture = await store.captures.get('old');
  assert.equal(capture?.name, 'old capture');
  assert.deepEqual(capture?.counters, {});
  assert.equal(capture?.first_seen, null);

  // The rebuilt rollup was refilled from flows FINAL, final rows only: one flow, its last version.
  const rollup = await queryForTest(
    store,
    `SELECT sum(flows) AS flows, sum(packets) AS packets, sum(bytes) AS bytes FROM \`${store.database}\`.flows_1m`,
  );
  assert.deepEqual(rollup, [{ flows: 1, packets: 4, bytes: 360 }]);
  const traffic = await queryForTest(
    store,
    `SELECT sum(flows) AS flows, sum(packets) AS packets, sum(bytes) AS bytes FROM \`${store.database}\`.traffic_1h`,
  );
  assert.deepEqual(traffic, [{ flows: 1, packets: 4, bytes: 360 }]);
  const ends = await queryForTest(
    store,
    `SELECT toString(addr) AS addr, flows_as_src, flows_as_dst FROM \`${store.database}\`.addresses_1h ORDER BY addr`,
  );
  assert.equal(ends.length, 2, 'both ends of the one flow');
  // The new materialized column is computed for the rows that predate it.
  const [sized] = await queryForTest<{ bytes: number; packets: number }>(
    store,
    `SELECT bytes, packets FROM \`${store.database}\`.flows FINAL WHERE capture_id = 'old'`,
  );
  assert.deepEqual(sized, { bytes: 360, packets: 4 });

  // Dedup tokens work on the migrated table (its dedup window was set by the migration).
  const batch = [sampleFlow({ capture_id: 'old', flow_id: 'f2' })];
  for (let i = 0; i < 3; i++) await store.flows.insert(batch, 'old:seg:1');
  const copies = await queryForTest(
    store,
    `SELECT count() AS n FROM \`${store.database}\`.flows WHERE flow_id = 'f2'`,
  );
  assert.deepEqual(copies, [{ n: 1 }]);

  const again = await track(openTestStore({ database: old.database }));
  assert.deepEqual(again.migrations.applied, []);
});

test('a table that cannot be migrated in place is a SCHEMA_CONFLICT', async () => {
  const s = await track(openTestStore({ migrate: false }));
  await execForTest(s, `CREATE DATABASE \`${s.database}\``);
  await execForTest(
    s,
    `CREATE TABLE \`${s.database}\`.flows (capture_id String, flow_id String) ENGINE = MergeTree ORDER BY flow_id`,
  );
  await assert.rejects(openTestStore({ database: s.database }), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'SCHEMA_CONFLICT');
    assert.match(err.message, /flows/);
    return true;
  });
});
