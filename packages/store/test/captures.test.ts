import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createCapturesRepo, safeSource } from '../src/captures-repo.ts';
import { internals } from '../src/client.ts';
import type { Db } from '../src/db.ts';
import { StoreError } from '../src/errors.ts';
import { openTestStore, queryForTest, sampleFlow, type TestStore } from '../src/testing.ts';

let store: TestStore;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.cleanup();
});

test('upsert creates a capture with defaults, then updates it field by field', async () => {
  const created = await store.captures.upsert({
    capture_id: 'c1',
    dataset_id: 'ds1',
    name: 'edge router',
    source: 'https://acct.blob.core.windows.net/caps/edge.cap?sv=2024&sig=SECRET',
    submitted_at: '2024-05-01T12:00:00.000Z',
  });
  assert.equal(created.status, 'QUEUED');
  assert.equal(created.source, 'https://acct.blob.core.windows.net/caps/edge.cap');
  assert.equal(created.bytes_total, null);
  assert.deepEqual(created.counters, {});
  assert.deepEqual(await store.captures.get('c1'), created);

  const running = await store.captures.upsert({
    capture_id: 'c1',
    status: 'RUNNING',
    bytes_read: 1_048_576,
    bytes_total: 10_485_760,
    packets: 1234,
    link_types: [1, 113],
    format: 'pcapng',
    counters: { skipped_truncated: 2 },
    first_seen: '2024-05-01T11:00:00.123456789Z',
  });
  assert.equal(running.name, 'edge router', 'fields not in the patch are kept');
  assert.ok(running.version > created.version);
  assert.deepEqual(await store.captures.get('c1'), running);

  const done = await store.captures.upsert({
    capture_id: 'c1',
    status: 'DONE',
    flows: 99,
    counters: { evicted: 1 },
    last_seen: '2024-05-01T11:59:59.5Z',
  });
  assert.deepEqual(done.counters, { skipped_truncated: 2, evicted: 1 }, 'counters merge key by key');
  assert.equal(done.first_seen, '2024-05-01T11:00:00.123456789Z');
  assert.equal(done.last_seen, '2024-05-01T11:59:59.500000000Z');
  assert.equal(done.submitted_at, '2024-05-01T12:00:00.000Z');
  assert.deepEqual(await store.captures.get('c1'), done);
  assert.equal(await store.captures.get('nope'), undefined);
});

test('concurrent upserts of one capture all land, newest last', async () => {
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      store.captures.upsert({ capture_id: 'busy', bytes_read: (i + 1) * 100, counters: { [`k${i}`]: i } }),
    ),
  );
  const c = await store.captures.get('busy');
  assert.equal(c?.bytes_read, 1000);
  assert.equal(Object.keys(c?.counters ?? {}).length, 10);
});

test('an upsert merges into the row this repo last wrote, without reading it back', async () => {
  // The same connection, with its reads counted.
  const db = internals.get(store)!;
  let reads = 0;
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === 'rows') {
        return (...args: Parameters<Db['rows']>) => {
          reads++;
          return target.rows(...args);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const captures = createCapturesRepo(counted);
  await captures.upsert({ capture_id: 'r1', name: 'first', counters: { a: 1 } });
  assert.equal(reads, 1, 'a capture this repo has not written is read first');
  for (let i = 1; i <= 5; i++)
    await captures.upsert({ capture_id: 'r1', bytes_read: i, counters: { [`b${i}`]: i } });
  assert.equal(reads, 1, 'later upserts merge into the row kept from the last write');
  const stored = await store.captures.get('r1');
  assert.equal(stored?.name, 'first');
  assert.equal(stored?.bytes_read, 5);
  assert.deepEqual(stored?.counters, { a: 1, b1: 1, b2: 2, b3: 3, b4: 4, b5: 5 });

  // What a caller does to a returned row afterwards is not what the next upsert merges into.
  const returned = await captures.upsert({ capture_id: 'r1', lost: ['one'] });
  returned.lost.push('not stored');
  returned.counters.z = 9;
  const next = await captures.upsert({ capture_id: 'r1', status: 'DONE' });
  assert.deepEqual(next.lost, ['one']);
  assert.equal(next.counters.z, undefined);
  assert.deepEqual(await store.captures.get('r1'), next);

  // A deleted capture upserted again starts from nothing, not from the row kept before.
  assert.equal(await captures.delete('r1'), true);
  const again = await captures.upsert({ capture_id: 'r1', name: 'again' });
  assert.equal(again.status, 'QUEUED');
  assert.equal(again.bytes_read, 0);
  assert.deepEqual(again.counters, {});
  assert.deepEqual(await store.captures.get('r1'), again);
});

test('list: newest submitted first, filtered by dataset and status', async () => {
  await store.captures.upsert({ capture_id: 'l1', dataset_id: 'dsL', submitted_at: '2024-01-01T00:00:00Z' });
  await store.captures.upsert({
    capture_id: 'l2',
    dataset_id: 'dsL',
    submitted_at: '2024-02-01T00:00:00Z',
    status: 'FAILED',
    error: 'truncated at byte 10',
  });
  await store.captures.upsert({
    capture_id: 'l3',
    dataset_id: 'other',
    submitted_at: '2024-03-01T00:00:00Z',
  });
  assert.deepEqual(
    (await store.captures.list({ datasetId: 'dsL' })).map((c) => c.capture_id),
    ['l2', 'l1'],
  );
  assert.deepEqual(
    (await store.captures.list({ datasetId: 'dsL', status: 'FAILED' })).map((c) => [c.capture_id, c.error]),
    [['l2', 'truncated at byte 10']],
  );
  const everything = await store.captures.list();
  assert.ok(everything.length >= 3);
  assert.equal(new Set(everything.map((c) => c.capture_id)).size, everything.length, 'one row per capture');
  assert.deepEqual((await store.captures.list({ limit: 1 })).map((c) => c.capture_id).length, 1);
});

test('delete removes the capture, its flows, its names and its rollup rows, and nothing else', async () => {
  for (const id of ['gone', 'kept']) {
    await store.captures.upsert({ capture_id: id, name: id });
    await store.flows.insert([sampleFlow({ capture_id: id, flow_id: `${id}-f` })], `${id}:0`);
    await store.dns.insert([{ capture_id: id, ip: '192.0.2.1', name: `${id}.example` }], `${id}:0`);
  }
  assert.equal(await store.captures.delete('gone'), true);
  assert.equal(await store.captures.get('gone'), undefined);
  assert.equal(await store.flows.count('gone'), 0);
  assert.deepEqual(await store.dns.byCapture('gone'), []);
  for (const t of ['flows_1m', 'flows_1h']) {
    const rows = await queryForTest(
      store,
      `SELECT count() AS n FROM \`${store.database}\`.${t} WHERE capture_id = {c:String}`,
      { c: 'gone' },
    );
    assert.deepEqual(rows, [{ n: 0 }], t);
  }
  assert.equal((await store.captures.get('kept'))?.name, 'kept');
  assert.equal(await store.flows.count('kept'), 1);
  assert.equal((await store.dns.byCapture('kept')).length, 1);
  assert.equal(await store.captures.delete('gone'), false);
});

test('values with quotes, backslashes and SQL round-trip as text', async () => {
  const id = "x'); DROP TABLE captures; --";
  const name = 'O\'Brien\'s "capture" \\ \n\t ünïcödé 🙂';
  await store.captures.upsert({ capture_id: id, name, dataset_id: "' OR ''='" });
  const back = await store.captures.get(id);
  assert.equal(back?.name, name);
  assert.equal(back?.dataset_id, "' OR ''='");
  assert.deepEqual(
    (await store.captures.list({ datasetId: "' OR ''='" })).map((c) => c.capture_id),
    [id],
  );
  assert.equal(await store.captures.get("' OR 1=1 --"), undefined);
  assert.ok((await store.captures.list()).length > 1, 'the captures table is still there');
});

test('bad patches are refused with INVALID_ARGUMENT', async () => {
  const bad = [
    { capture_id: '' },
    { capture_id: 'b', status: 'PAUSED' as never },
    { capture_id: 'b', bytes_read: -1 },
    { capture_id: 'b', first_seen: 'yesterday' },
  ];
  for (const patch of bad) {
    await assert.rejects(store.captures.upsert(patch), (err: unknown) => {
      assert.ok(err instanceof StoreError, String(err));
      assert.equal(err.code, 'INVALID_ARGUMENT');
      return true;
    });
  }
  assert.equal(await store.captures.get('b'), undefined);
});

test('safeSource strips what could be a secret from URLs and leaves paths alone', () => {
  assert.equal(
    safeSource('https://a.blob.core.windows.net/c/x.cap?sv=1&sig=abc#frag'),
    'https://a.blob.core.windows.net/c/x.cap',
  );
  assert.equal(safeSource('http://user:pw@example.com/x.pcap'), 'http://example.com/x.pcap');
  assert.equal(safeSource('/data/caps/x.pcap'), '/data/caps/x.pcap');
  assert.equal(safeSource('upload:abc123'), 'upload:abc123');
});
