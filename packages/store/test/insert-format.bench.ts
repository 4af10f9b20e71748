// Which insert format and path is fastest for flows on chDB, through the store's own code.
// Run: node --import tsx packages/store/test/insert-format.bench.ts [rows]
// (Not a test: the runner only picks *.test.ts. The figures are quoted in src/flows-repo.ts.)
import { internals } from '../src/client.ts';
import { dedupSettings } from '../src/db.ts';
import { flowToObject, flowToRow } from '../src/flows-repo.ts';
import { FLOWS } from '../src/schema.ts';
import { openTestStore, sampleFlow } from '../src/testing.ts';

const n = Number(process.argv[2] ?? 50_000);
const store = await openTestStore();
const db = internals.get(store)!;
const columns = FLOWS.columns.filter((c) => c.materialized === undefined).map((c) => c.name);
const flows = Array.from({ length: n }, (_, i) =>
  sampleFlow({
    flow_id: i.toString(16).padStart(16, '0'),
    src_ip: i % 3 === 0 ? `2001:db8::${(i % 65535).toString(16)}` : `10.0.${(i >> 8) & 255}.${i & 255}`,
    ip_version: i % 3 === 0 ? 6 : 4,
    src_port: 1024 + (i % 60000),
    first_ns: String(1714564800123456000n + BigInt(i) * 1000n),
    packets_src: i % 1000,
  }),
);

type Format = 'JSONEachRow' | 'JSONCompactEachRow';
const toValues = (format: Format): unknown[] =>
  format === 'JSONEachRow' ? flows.map(flowToObject) : flows.map(flowToRow);
const runs: Record<string, (format: Format, token: string) => Promise<void>> = {
  // What the store does on chDB: one buffer to chDB's raw insert.
  'raw insert': (format, token) =>
    db.insert('bench', 'flows', columns, toValues(format), format, dedupSettings(token)),
  // What @clickhouse/client's insert does through chDB's connection (one SQL string).
  'client.insert': (format, token) =>
    db.conn.run('bench', async (client) => {
      await client.insert({
        table: db.table('flows'),
        columns: columns as [string, ...string[]],
        values: toValues(format),
        format,
        clickhouse_settings: dedupSettings(token),
      });
    }),
};
const results = new Map<string, number[]>();
// CPU time of the whole process (chDB's threads included): steadier than wall time on a busy machine.
const cpuMs = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const [path, run] of Object.entries(runs)) {
    for (const format of ['JSONEachRow', 'JSONCompactEachRow'] as const) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await run(format, `bench-${path}-${format}-${round}`);
      const cpu = process.cpuUsage(cpu0);
      const key = `${path}, ${format}`;
      results.set(key, [...(results.get(key) ?? []), performance.now() - t0]);
      cpuMs.set(key, [...(cpuMs.get(key) ?? []), (cpu.user + cpu.system) / 1000]);
    }
  }
}
// What the store does on chDB: RowBinary through a file (flows-repo.ts).
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await store.flows.insert(flows, `bench-binary-${round}`);
  const cpu = process.cpuUsage(cpu0);
  const key = 'RowBinary through a file';
  results.set(key, [...(results.get(key) ?? []), performance.now() - t0]);
  cpuMs.set(key, [...(cpuMs.get(key) ?? []), (cpu.user + cpu.system) / 1000]);
}
for (const [key, ms] of results) {
  const best = Math.min(...ms);
  const cpu = Math.min(...(cpuMs.get(key) ?? []));
  console.log(
    `${key.padEnd(34)} best ${best.toFixed(0)} ms wall (${Math.round((n / best) * 1000)} rows/s), ` +
      `${cpu.toFixed(0)} ms CPU (${Math.round((n / cpu) * 1000)} rows per CPU-second)`,
  );
}
await store.cleanup();
