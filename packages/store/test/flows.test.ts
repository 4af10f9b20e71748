import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EnrichedFlow } from '@capstream/pipeline';
import { StoreError } from '../src/errors.ts';
import { openTestStore, queryForTest, sampleFlow, type TestStore } from '../src/testing.ts';

let store: TestStore;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.cleanup();
});

async function all(
  captureId: string,
  options?: { final?: boolean; pageSize?: number },
): Promise<EnrichedFlow[]> {
  const out: EnrichedFlow[] = [];
  for await (const f of store.flows.byCapture(captureId, options)) out.push(f);
  return out;
}

async function rawCount(captureId: string): Promise<number> {
  const rows = await queryForTest<{ n: number }>(
    store,
    `SELECT count() AS n FROM \`${store.database}\`.flows WHERE capture_id = {c:String}`,
    { c: captureId },
  );
  return rows[0]!.n;
}

async function rollup(
  captureId: string,
  table = 'flows_1m',
): Promise<{ flows: number; packets: number; bytes: number }> {
  const rows = await queryForTest<{ flows: number; packets: number; bytes: number }>(
    store,
    `SELECT toUInt64(sum(flows)) AS flows, toUInt64(sum(packets)) AS packets, toUInt64(sum(bytes)) AS bytes
     FROM \`${store.database}\`.${table} WHERE capture_id = {c:String}`,
    { c: captureId },
  );
  return rows[0]!;
}

test('flows read back with the same fields and values: IPv4, IPv6, nulls, exact times', async () => {
  const c = 'roundtrip';
  const flows: EnrichedFlow[] = [
    sampleFlow({ capture_id: c, flow_id: 'a1' }),
    sampleFlow({
      capture_id: c,
      flow_id: 'a2',
      src_ip: '2001:db8::1',
      dst_ip: '2001:db8:0:1:1:1:1:1',
      ip_version: 6,
      ip_proto: 17,
      src_port: 5353,
      dst_port: 53,
      first_seen: '2024-05-01T12:00:00.999999999Z',
      first_ns: '1714564800999999999',
      last_seen: '2024-05-01T12:00:01.000000001Z',
      last_ns: '1714564801000000001',
      duration: 0.000000002,
      app: 'dns',
      server_name: null,
      tls_version: null,
      alpn: null,
      tcp_state: null,
      tcp_flags_src: null,
      tcp_flags_dst: null,
      src_scope: 'documentation',
      dst_scope: 'documentation',
      dst_country: null,
      dst_city: null,
      dst_lat: null,
      dst_lon: null,
      dst_asn: null,
      dst_as_org: null,
    }),
    // ICMPv6 between addresses whose text ClickHouse itself would print differently.
    sampleFlow({
      capture_id: c,
      flow_id: 'a3',
      src_ip: '::102:304',
      dst_ip: '::ffff:192.0.2.1',
      ip_version: 6,
      ip_proto: 58,
      src_port: null,
      dst_port: null,
      first_seen: '2024-05-01T12:00:02Z',
      first_ns: '1714564802000000000',
      last_seen: '2024-05-01T12:00:02Z',
      last_ns: '1714564802000000000',
      duration: 0,
      app: 'icmpv6',
      quic_version: '0x00000001',
      tunnel: 'gre',
      src_country: 'FR',
      src_city: "L'Haÿ-les-Roses",
      src_lat: 48.78,
      src_lon: 2.3377,
      src_asn: 4294967295,
      src_as_org: 'Quote "Networks" \\ Ltd',
    }),
    // Millisecond capture precision, epoch start, a tunnel inside IPv4.
    sampleFlow({
      capture_id: c,
      flow_id: 'a4',
      src_ip: '0.0.0.0',
      dst_ip: '255.255.255.255',
      first_seen: '1970-01-01T00:00:00.000Z',
      first_ns: '0',
      last_seen: '1970-01-01T00:00:00.001Z',
      last_ns: '1000000',
      duration: 0.001,
      src_scope: 'reserved',
      dst_scope: 'broadcast',
    }),
  ];
  await store.flows.insert(flows, `${c}:0`);
  const back = await all(c);
  const byTime = [...flows].sort((x, y) => (BigInt(x.first_ns) < BigInt(y.first_ns) ? -1 : 1));
  assert.deepEqual(back, byTime);
  assert.equal(await store.flows.count(c), 4);
});

test('a batch inserted three times with one dedup token is stored once (and counted once in rollups)', async () => {
  const c = 'dedup';
  const batch = Array.from({ length: 50 }, (_, i) =>
    sampleFlow({ capture_id: c, flow_id: `d${i}`, first_ns: String(1714564800000000000n + BigInt(i)) }),
  );
  for (let i = 0; i < 3; i++) await store.flows.insert(batch, `${c}:seg:7`);
  assert.equal(await rawCount(c), 50);
  assert.equal(await store.flows.count(c), 50);
  assert.deepEqual(await rollup(c), { flows: 50, packets: 50 * 22, bytes: 50 * 11000 });
  assert.deepEqual(await rollup(c, 'flows_1h'), { flows: 50, packets: 50 * 22, bytes: 50 * 11000 });
  // Another batch (another token) with the very same content is a new insert: ReplacingMergeTree
  // keeps one row per flow on read.
  await store.flows.insert(batch, `${c}:seg:8`);
  assert.equal(await store.flows.count(c), 50);
});

test('a flow version repeated within one batch (a replay) is stored once and counted once in rollups', async () => {
  const c = 'repeat-in-batch';
  const flows = Array.from({ length: 4 }, (_, i) =>
    sampleFlow({ capture_id: c, flow_id: `r${i}`, first_ns: String(1714564800000000000n + BigInt(i)) }),
  );
  // The parser replayed r1 and r2 (same versions) before the batch was written; r0 also comes as
  // an active version 1 and its final version 2, which both stay (FINAL reads pick version 2).
  const active = { ...flows[0]!, version: 1, final: false, packets_src: 1 };
  const final0 = { ...flows[0]!, version: 2 };
  const batch = [active, final0, flows[1]!, flows[2]!, flows[3]!, flows[1]!, { ...flows[2]! }];
  await store.flows.insert(batch, `${c}:seg:1`);
  assert.equal(await rawCount(c), 5);
  assert.equal(await store.flows.count(c), 4);
  const finalRows = await queryForTest<{ n: number }>(
    store,
    `SELECT count() AS n FROM \`${store.database}\`.flows WHERE capture_id = {c:String} AND final`,
    { c },
  );
  assert.equal(finalRows[0]!.n, 4);
  assert.deepEqual(await rollup(c), { flows: 4, packets: 4 * 22, bytes: 4 * 11000 });
});

test('a dedup token does not outlive its insert', async () => {
  // chDB keeps settings passed with a query as session SETs; a token left set would make a later
  // insert without one a "duplicate" of an old batch. Inserts carry theirs in INSERT ... SETTINGS.
  const c = 'token-leak';
  await store.flows.insert([sampleFlow({ capture_id: c, flow_id: 'x1' })], 'leaky-token');
  await store.dns.insert([{ capture_id: c, ip: '192.0.2.1', name: 'a.example' }], 'leaky-dns-token');
  await store.captures.upsert({ capture_id: c, name: 'one' });
  const after = await queryForTest<{ t: string }>(
    store,
    "SELECT getSetting('insert_deduplication_token') AS t",
  );
  assert.deepEqual(after, [{ t: '' }]);
  await store.flows.insert([sampleFlow({ capture_id: c, flow_id: 'x2' })], 'leaky-token-2');
  assert.equal(await store.flows.count(c), 2);
});

test('an active flow flushed, then final with a higher version, reads back as the final one', async () => {
  const c = 'versions';
  const v1 = sampleFlow({
    capture_id: c,
    flow_id: 'v',
    version: 1,
    final: false,
    packets_src: 1,
    bytes_src: 60,
  });
  const v2 = sampleFlow({
    capture_id: c,
    flow_id: 'v',
    version: 2,
    final: false,
    packets_src: 5,
    bytes_src: 300,
  });
  const v3 = sampleFlow({
    capture_id: c,
    flow_id: 'v',
    version: 3,
    final: true,
    packets_src: 9,
    bytes_src: 900,
  });
  const other = sampleFlow({ capture_id: c, flow_id: 'w', version: 1, final: false });
  await store.flows.insert([v1, other], `${c}:flush:1`);
  assert.deepEqual(await all(c, { final: true }), []);
  await store.flows.insert([v2], `${c}:flush:2`);
  await store.flows.insert([v3], `${c}:final`);
  // An older version redelivered late loses to the newer one.
  await store.flows.insert([v2], `${c}:late-replay`);
  assert.deepEqual(await all(c), [v3, other]);
  assert.deepEqual(await all(c, { final: true }), [v3]);
  assert.equal(await store.flows.count(c), 2);
  assert.equal(await store.flows.count(c, { final: true }), 1);
  // Rollups see only final rows: the flow once, with its final counters.
  assert.deepEqual(await rollup(c), { flows: 1, packets: 9 + 10, bytes: 900 + 9200 });
});

test('byCapture pages in a stable order (first_seen, flow_id), also across equal times', async () => {
  const c = 'paging';
  const flows: EnrichedFlow[] = [];
  for (let i = 0; i < 23; i++) {
    // Groups of 4 share one first_seen, so a page boundary falls inside a group.
    const ns = 1714564800000000000n + BigInt(Math.floor(i / 4)) * 1000n;
    flows.push(
      sampleFlow({ capture_id: c, flow_id: `p${String(22 - i).padStart(2, '0')}`, first_ns: String(ns) }),
    );
  }
  await store.flows.insert(flows.slice(10), `${c}:b`);
  await store.flows.insert(flows.slice(0, 10), `${c}:a`);
  const expected = [...flows].sort((x, y) =>
    x.first_ns === y.first_ns
      ? x.flow_id < y.flow_id
        ? -1
        : 1
      : BigInt(x.first_ns) < BigInt(y.first_ns)
        ? -1
        : 1,
  );
  for (const pageSize of [1, 3, 4, 5, 23, 100]) {
    assert.deepEqual(
      (await all(c, { pageSize })).map((f) => f.flow_id),
      expected.map((f) => f.flow_id),
      `page size ${pageSize}`,
    );
  }
  assert.deepEqual(await all('no-such-capture'), []);
});

test('capture ids and names are parameters: quotes and SQL in values are just text', async () => {
  const c = "evil' OR 1=1 --";
  const f = sampleFlow({
    capture_id: c,
    flow_id: "id'); DROP TABLE flows; --",
    app: "it's",
    server_name: '"; \\',
  });
  await store.flows.insert([f], "token with 'quotes' and \\ backslash");
  assert.deepEqual(await all(c), [f]);
  assert.equal(await store.flows.count("evil' OR '1'='1"), 0);
  await store.flows.insert([f], "token with 'quotes' and \\ backslash");
  assert.equal(await rawCount(c), 1);
});

test('an empty dedup token is refused, an empty batch is a no-op', async () => {
  await assert.rejects(store.flows.insert([sampleFlow()], ''), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    return true;
  });
  await store.flows.insert([], 'empty');
});

test('DNS names: insert, dedup, read back as inserted', async () => {
  const c = 'dns';
  const names = [
    { capture_id: c, ip: '93.184.216.34', name: 'example.com' },
    { capture_id: c, ip: '2606:2800:220:1:248:1893:25c8:1946', name: 'example.com' },
    { capture_id: c, ip: '93.184.216.34', name: "o'reilly.example" },
    { capture_id: c, ip: '::102:304', name: 'odd.example' },
  ];
  for (let i = 0; i < 3; i++) await store.dns.insert(names, `${c}:seg:0`);
  await store.dns.insert([names[0]!], `${c}:seg:1`);
  const back = await store.dns.byCapture(c);
  assert.deepEqual(
    [...back].sort((a, b) => (a.ip + a.name < b.ip + b.name ? -1 : 1)),
    [...names].sort((a, b) => (a.ip + a.name < b.ip + b.name ? -1 : 1)),
  );
  assert.deepEqual(await store.dns.byCapture('other'), []);
});
