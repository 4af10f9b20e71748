// Which JSON format inserts flows faster, through the same client path the store uses.
// Run: node --import tsx packages/store/test/insert-format.bench.ts [rows]
import { dedupSettings } from '../src/db.ts';
import { flowToObject, flowToRow } from '../src/flows-repo.ts';
import { FLOWS } from '../src/schema.ts';
import { internals } from '../src/client.ts';
import { openTestStore, sampleFlow } from '../src/testing.ts';

const n = Number(process.argv[2] ?? 50_000);
const store = await openTestStore();
const db = internals.get(store)!;
const columns = FLOWS.columns.map((c) => c.name);
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
const results: Record<string, number[]> = { JSONEachRow: [], JSONCompactEachRow: [] };
for (let round = 0; round < 3; round++) {
  for (const format of ['JSONEachRow', 'JSONCompactEachRow'] as const) {
    const t0 = performance.now();
    const values = format === 'JSONEachRow' ? flows.map(flowToObject) : flows.map(flowToRow);
    await db.insert('bench', 'flows', columns, values, format, dedupSettings(`bench-${format}-${round}`));
    results[format]!.push(performance.now() - t0);
  }
}
for (const [format, ms] of Object.entries(results)) {
  const best = Math.min(...ms);
  console.log(`${format.padEnd(20)} best ${best.toFixed(0)} ms for ${n} rows = ${Math.round((n / best) * 1000)} rows/s`);
}
await store.cleanup();
