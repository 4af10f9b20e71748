import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { internals } from '../src/client.ts';
import { clampNs } from '../src/convert.ts';
import { StoreError } from '../src/errors.ts';
import { payloadType, RowBinaryWriter, rowEncoder, valueWriter } from '../src/row-binary.ts';
import { execForTest, openTestStore, queryForTest, type TestStore } from '../src/testing.ts';

let store: TestStore;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.cleanup();
});

const COLUMNS: [string, string][] = [
  ['s', 'String'],
  ['ls', 'LowCardinality(Nullable(String))'],
  ['b', 'Bool'],
  ['u8', 'UInt8'],
  ['u16', 'Nullable(UInt16)'],
  ['u32', 'UInt32'],
  ['u64', 'UInt64'],
  ['f', 'Nullable(Float64)'],
  ['ip', 'IPv6'],
  ['t', "DateTime64(9, 'UTC')"],
];

/** Writes rows with the store's writers, inserts them through chDB and reads them back as text. */
async function roundTrip(table: string, rows: unknown[][]): Promise<Record<string, unknown>[]> {
  await execForTest(
    store,
    `CREATE TABLE \`${store.database}\`.${table} (n UInt32, ${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY n`,
  );
  const writers = COLUMNS.map(([, type]) => valueWriter(type));
  const w = new RowBinaryWriter(16); // small, so that it grows
  rows.forEach((row, n) => {
    w.uint32(n);
    row.forEach((v, i) => {
      writers[i]!(w, v, COLUMNS[i]![0]);
    });
  });
  const structure = ['n UInt32', ...COLUMNS.map(([c, t]) => `${c} ${payloadType(t)}`)].join(', ');
  const db = internals.get(store)!;
  await db.insertBinary('test', table, ['n', ...COLUMNS.map(([c]) => c)], structure, w.bytes(), {
    insert_deduplicate: 1,
    insert_deduplication_token: `${table}-1`,
  });
  return queryForTest(
    store,
    `SELECT n, s, ls, b, u8, u16, u32, toString(u64) AS u64, f, toString(ip) AS ip, toString(t) AS t
     FROM \`${store.database}\`.${table} ORDER BY n`,
  );
}

const plain = { s: 'a', ls: 'b', b: false, u8: 1, u16: 2, u32: 3, u64: '4', f: 5 };

test('RowBinary values read back as written: long and non-ASCII strings, nulls, extremes, addresses, clamped times', async () => {
  const long = 'é'.repeat(200) + 'x'.repeat(20_000);
  const back = await roundTrip('rb_values', [
    ['', null, false, 0, null, 0, 0, null, '0.0.0.0', '0'],
    [
      long,
      'L\'Haÿ-les-Roses "q" \\',
      true,
      255,
      65535,
      4294967295,
      Number.MAX_SAFE_INTEGER,
      -1.5e-300,
      '2001:db8::1',
      '1714564800999999999',
    ],
    ['x'.repeat(127), 'x'.repeat(128), true, 7, 0, 1, 4294967296, 0, '::ffff:192.0.2.1', '-1'],
    ['a', 'b', false, 1, 2, 3, 4, 5, '::', '99999999999999999999'],
    ['a', 'b', false, 1, 2, 3, 4, 5, 'fe80::1:2:3:4', '-99999999999999999999'],
  ]);
  assert.deepEqual(back, [
    {
      n: 0,
      s: '',
      ls: null,
      b: false,
      u8: 0,
      u16: null,
      u32: 0,
      u64: '0',
      f: null,
      ip: '::ffff:0.0.0.0',
      t: '1970-01-01 00:00:00.000000000',
    },
    {
      n: 1,
      s: long,
      ls: 'L\'Haÿ-les-Roses "q" \\',
      b: true,
      u8: 255,
      u16: 65535,
      u32: 4294967295,
      u64: String(Number.MAX_SAFE_INTEGER),
      f: -1.5e-300,
      ip: '2001:db8::1',
      t: '2024-05-01 12:00:00.999999999',
    },
    {
      n: 2,
      s: 'x'.repeat(127),
      ls: 'x'.repeat(128),
      b: true,
      u8: 7,
      u16: 0,
      u32: 1,
      u64: '4294967296',
      f: 0,
      ip: '::ffff:192.0.2.1',
      t: '1969-12-31 23:59:59.999999999',
    },
    // Times beyond DateTime64(9)'s range are clamped to its ends, as the text path does.
    { ...plain, n: 3, ip: '::', t: '2262-04-11 23:47:16.854775807' },
    { ...plain, n: 4, ip: 'fe80::1:2:3:4', t: '1900-01-01 00:00:00.000000000' },
  ]);
});

test('a value that does not fit its column is refused before anything is written', () => {
  const w = new RowBinaryWriter();
  const cases: [string, unknown][] = [
    ['UInt8', 256],
    ['UInt16', -1],
    ['UInt32', 1.5],
    ['UInt64', 2 ** 53],
    ['UInt64', '12'],
    ['String', null],
    ['Bool', 1],
    ['Float64', '1'],
    ['IPv6', '1.2.3'],
    ['IPv6', '2001:db8::1::2'],
    ['IPv6', 'example.com'],
    ["DateTime64(9, 'UTC')", '12.5'],
    ["DateTime64(9, 'UTC')", 12],
  ];
  for (const [type, value] of cases) {
    assert.throws(
      () => valueWriter(type)(w, value, 'col'),
      (e: unknown) => e instanceof StoreError && e.code === 'INVALID_ARGUMENT' && e.message.startsWith('col'),
      `${type} ${JSON.stringify(value)}`,
    );
  }
  assert.throws(() => valueWriter('Array(String)'), /no writer for the column type Array\(String\)/);
});

test('a compiled row encoder writes what the per-column writers write, and refuses what they refuse', () => {
  type Row = {
    s: string;
    ls: string | null;
    b: boolean;
    u8: number;
    u16: number | null;
    u64: number;
    f: number | null;
    ip: string;
    t: string;
    n: number;
  };
  const columns = [
    { name: 's', type: 'String', value: 's' as const },
    { name: 'ls', type: 'LowCardinality(Nullable(String))', value: 'ls' as const },
    { name: 'b', type: 'Bool', value: 'b' as const },
    { name: 'u8', type: 'UInt8', value: 'u8' as const },
    { name: 'u16', type: 'Nullable(UInt16)', value: 'u16' as const },
    { name: 'u64', type: 'UInt64', value: 'u64' as const },
    { name: 'f', type: 'Nullable(Float64)', value: 'f' as const },
    { name: 'ip', type: 'IPv6', value: 'ip' as const },
    { name: 'when', type: "DateTime64(9, 'UTC')", value: 't' as const },
    { name: 'twice', type: 'UInt32', value: (r: Row) => r.n * 2 },
  ];
  const base: Row = { s: 's', ls: null, b: false, u8: 0, u16: 0, u64: 0, f: null, ip: '::', t: '0', n: 0 };
  const rows: Row[] = [
    { ...base, s: 'ascii', n: 1 },
    { ...base, s: 'naïve ☃', ls: 'x'.repeat(300), b: true, u8: 255, u16: null, t: '-1', ip: '192.0.2.1' },
    {
      ...base,
      s: '',
      ls: '',
      u16: 65535,
      u64: Number.MAX_SAFE_INTEGER,
      f: -1.5,
      ip: '2001:db8::1',
      t: '1714982400004554000',
      n: 2 ** 31 - 1,
    },
  ];
  const encode = rowEncoder<Row>(columns);
  const compiled = new RowBinaryWriter(8);
  for (const r of rows) encode(compiled, r);
  const reference = new RowBinaryWriter(8);
  const writers = columns.map((c) => valueWriter(c.type));
  for (const r of rows) {
    columns.forEach((c, i) => {
      const v = typeof c.value === 'function' ? c.value(r) : r[c.value];
      writers[i]!(reference, v, c.name);
    });
  }
  assert.deepEqual(compiled.bytes(), reference.bytes());
  const refused: [Partial<Row>, RegExp][] = [
    [{ u16: 70_000 }, /u16: 70000 is not a UInt16/],
    [{ u8: 1.5 }, /u8: 1.5 is not a UInt8/],
    [{ u64: 2 ** 53 }, /u64: 9007199254740992 is not a UInt64/],
    [{ b: 1 as unknown as boolean }, /b: 1 is not a Bool/],
    [{ f: '1' as unknown as number }, /f: "1" is not a Float64/],
    [{ ip: '1.2.3' }, /ip: "1.2.3" is not a IP address/],
    [{ t: '12.5' }, /when: "12.5" is not a nanosecond timestamp/],
    [{ s: null as unknown as string }, /s: null is not a String/],
    [{ n: -1 }, /twice: -2 is not a UInt32/],
  ];
  for (const [change, message] of refused) {
    assert.throws(
      () => encode(new RowBinaryWriter(), { ...base, ...change }),
      (e: unknown) => e instanceof StoreError && e.code === 'INVALID_ARGUMENT' && message.test(e.message),
      JSON.stringify(change),
    );
  }
  assert.throws(() => rowEncoder([{ name: 'a-b', type: 'String', value: 's' }]), /not an identifier/);
  assert.throws(
    () => rowEncoder<Record<string, string>>([{ name: 'a', type: 'String', value: 'x;y' }]),
    /not an identifier/,
  );
  assert.throws(() => rowEncoder([{ name: 'a', type: 'Array(String)', value: 'a' }]), /no writer/);
});

test('times as text are written as BigInt would write them, on both sides of the fast path', () => {
  const texts = [
    '1000000000',
    '1714982400004554000',
    '0000000000000000001',
    '8999999999999999999',
    '9000000000000000000',
    '9223372036854775807',
    '9223372036854775808',
    '4294967295999999999',
    '4294967296000000000',
    '281474976710655999',
    '999999999',
    '-1714982400004554000',
  ];
  // Random times of 10 to 19 digits, the fast path's whole range.
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < 5000; i++) {
    const digits = 10 + (next() % 10);
    let t = String(1 + (next() % 8));
    while (t.length < digits) t += String(next() % 10);
    texts.push(t);
  }
  const fast = new RowBinaryWriter(8);
  const reference = new RowBinaryWriter(8);
  for (const t of texts) {
    assert.equal(fast.nsText(t), true, t);
    reference.int64(clampNs(BigInt(t)));
  }
  assert.deepEqual(fast.bytes(), reference.bytes());
  for (const bad of ['12345678901234567x', '17149824000045540.0', '', '-', '1'.repeat(31)]) {
    assert.equal(fast.nsText(bad), false, bad);
  }
});

test('payload types drop LowCardinality only', () => {
  assert.equal(payloadType('LowCardinality(Nullable(String))'), 'Nullable(String)');
  assert.equal(payloadType('LowCardinality(String)'), 'String');
  assert.equal(payloadType("DateTime64(9, 'UTC')"), "DateTime64(9, 'UTC')");
});
