/**
 * The fixed buckets of the duration histogram and the port-range chart, and the SQL that puts a
 * value in one: shared by the queries over `flows` and by the rollup that stores bucket numbers.
 */

/** The CapAnalysis duration buckets. */
export const DURATION_BUCKETS: readonly { label: string; maxSeconds: number | null }[] = [
  { label: '1s', maxSeconds: 1 },
  { label: '2s', maxSeconds: 2 },
  { label: '5s', maxSeconds: 5 },
  { label: '10s', maxSeconds: 10 },
  { label: '30s', maxSeconds: 30 },
  { label: '1m', maxSeconds: 60 },
  { label: '2m', maxSeconds: 120 },
  { label: '3m', maxSeconds: 180 },
  { label: '10m', maxSeconds: 600 },
  { label: '30m', maxSeconds: 1800 },
  { label: '1h', maxSeconds: 3600 },
  { label: 'more', maxSeconds: null },
];

export const PORT_RANGES: readonly { label: string; from: number; to: number }[] = [
  { label: '0-1023', from: 0, to: 1023 },
  { label: '1024-4999', from: 1024, to: 4999 },
  { label: '5000-9999', from: 5000, to: 9999 },
  { label: '10000-19999', from: 10000, to: 19999 },
  { label: '20000-29999', from: 20000, to: 29999 },
  { label: '30000-39999', from: 30000, to: 39999 },
  { label: '40000-49151', from: 40000, to: 49151 },
  { label: '49152-65535', from: 49152, to: 65535 },
];

/** The index in DURATION_BUCKETS of a duration in seconds (a UInt8). */
export function durationBucketSql(col: string): string {
  const cases = DURATION_BUCKETS.slice(0, -1).map((b, i) => `${col} <= ${b.maxSeconds}, ${i}`);
  return `toUInt8(multiIf(${cases.join(', ')}, ${DURATION_BUCKETS.length - 1}))`;
}

/** The index in PORT_RANGES of a port, -1 for none (an Int8). */
export function portRangeSql(col: string): string {
  const cases = PORT_RANGES.map((r, i) => `${col} <= ${r.to}, ${i}`);
  return `toInt8(if(${col} IS NULL, -1, multiIf(${cases.join(', ')}, -1)))`;
}
