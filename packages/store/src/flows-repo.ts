import type { AddressScope, EnrichedFlow } from '@capstream/pipeline';
import type { ClickHouseSettings } from '@clickhouse/client';
import { ipFromHex, isoDigits, nsToDateTime64, nsToIso, num, numOrNull } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
import { payloadType, RowBinaryWriter, type RowValue, rowEncoder } from './row-binary.ts';
import { FLOWS } from './schema.ts';

export interface FlowReadOptions {
  /** Only flows whose final record has arrived (a still-active flow is left out). */
  final?: boolean;
  /** Rows fetched per query while iterating (memory stays bounded by it). Default 10,000. */
  pageSize?: number;
}

export interface FlowsRepo {
  /**
   * Inserts one batch, idempotently: the same batch sent again with the same `dedupToken` (a Kafka
   * redelivery) is dropped by ClickHouse, in `flows` and in the rollups fed from it. Use one token
   * per batch content, e.g. `${captureId}:${segmentSeq}:${flushNo}`; an empty token is refused.
   */
  insert(rows: readonly EnrichedFlow[], dedupToken: string): Promise<void>;
  /**
   * The newest version of each flow of a capture (FINAL), ordered by (first_seen, flow_id), with
   * the field names and values that were inserted: addresses and times as the same text, nulls as
   * nulls. Pages through the table, so a large capture streams.
   */
  byCapture(captureId: string, options?: FlowReadOptions): AsyncIterable<EnrichedFlow>;
  /** How many flows a capture has (each counted once, whatever its number of versions). */
  count(captureId: string, options?: Pick<FlowReadOptions, 'final'>): Promise<number>;
}

/**
 * Insert format and path, measured here (chDB 3.4 / ClickHouse 26.7, into `flows` with its seven
 * rollup views, 2 cores): 50,000 flows of the benchmark capture, enriched, per insert:
 *   chDB, RowBinary through a file        ~470 ms   <- what the store does on chDB
 *   chDB raw insert, JSONCompactEachRow  ~1,400 ms
 * and `packages/store/test/insert-format.bench.ts` (50,000 sample flows, best of 3): 330 ms against
 * 835 ms (JSONEachRow 1,100 ms; client.insert 1,130 and 2,230 ms). Of the RowBinary insert,
 * reading the payload is ~45 ms (read as plain types: see row-binary.ts), the table ~100 ms and
 * the views the rest. On a server, client.insert sends JSONCompactEachRow (no field names, about
 * twice as fast to parse as JSONEachRow): a server cannot read this machine's files, and the
 * client sends no binary formats.
 */
const INSERT_FORMAT = 'JSONCompactEachRow' as const;

type Getter = (f: EnrichedFlow) => unknown;

/** How each `flows` column is filled from an EnrichedFlow; checked against schema.ts at load. */
const COLUMN_VALUES: Readonly<Record<string, Getter>> = {
  capture_id: (f) => f.capture_id,
  flow_id: (f) => f.flow_id,
  version: (f) => f.version,
  final: (f) => f.final,
  first_seen: (f) => nsToDateTime64(f.first_ns),
  last_seen: (f) => nsToDateTime64(f.last_ns),
  time_digits: (f) => isoDigits(f.first_seen),
  duration: (f) => f.duration,
  src_ip: (f) => f.src_ip,
  src_port: (f) => f.src_port,
  dst_ip: (f) => f.dst_ip,
  dst_port: (f) => f.dst_port,
  ip_version: (f) => f.ip_version,
  ip_proto: (f) => f.ip_proto,
  packets_src: (f) => f.packets_src,
  packets_dst: (f) => f.packets_dst,
  bytes_src: (f) => f.bytes_src,
  bytes_dst: (f) => f.bytes_dst,
  payload_bytes_src: (f) => f.payload_bytes_src,
  payload_bytes_dst: (f) => f.payload_bytes_dst,
  app: (f) => f.app,
  server_name: (f) => f.server_name,
  tls_version: (f) => f.tls_version,
  alpn: (f) => f.alpn,
  quic_version: (f) => f.quic_version,
  tcp_state: (f) => f.tcp_state,
  tcp_flags_src: (f) => f.tcp_flags_src,
  tcp_flags_dst: (f) => f.tcp_flags_dst,
  tunnel: (f) => f.tunnel,
  src_scope: (f) => f.src_scope,
  dst_scope: (f) => f.dst_scope,
  src_country: (f) => f.src_country,
  dst_country: (f) => f.dst_country,
  src_city: (f) => f.src_city,
  dst_city: (f) => f.dst_city,
  src_lat: (f) => f.src_lat,
  src_lon: (f) => f.src_lon,
  dst_lat: (f) => f.dst_lat,
  dst_lon: (f) => f.dst_lon,
  src_asn: (f) => f.src_asn,
  dst_asn: (f) => f.dst_asn,
  src_as_org: (f) => f.src_as_org,
  dst_as_org: (f) => f.dst_as_org,
};

const COLUMNS = FLOWS.columns.filter((c) => c.materialized === undefined).map((c) => c.name);
const GETTERS: Getter[] = COLUMNS.map((name) => {
  const g = COLUMN_VALUES[name];
  if (!g) throw new Error(`flows column ${name} has no value in flows-repo.ts`);
  return g;
});
for (const name of Object.keys(COLUMN_VALUES)) {
  if (!COLUMNS.includes(name)) throw new Error(`flows-repo.ts fills ${name}, which schema.ts lacks`);
}

/**
 * What the RowBinary payload reads where it differs from the column's own property: times go as
 * their exact nanoseconds, not as text. (test/flows.test.ts reads every column back as inserted.)
 */
const BINARY_VALUES: Readonly<Record<string, RowValue<EnrichedFlow>>> = {
  first_seen: 'first_ns',
  last_seen: 'last_ns',
  time_digits: COLUMN_VALUES.time_digits!,
};
const TYPES = new Map(FLOWS.columns.map((c) => [c.name, c.type]));
const encodeFlowRow = rowEncoder<EnrichedFlow>(
  COLUMNS.map((name) => ({
    name,
    type: TYPES.get(name)!,
    value: BINARY_VALUES[name] ?? (name as keyof EnrichedFlow & string),
  })),
);
export const FLOWS_BINARY_STRUCTURE = COLUMNS.map((name) => `${name} ${payloadType(TYPES.get(name)!)}`).join(
  ', ',
);

/** Flows as one RowBinary payload, in `flows` column order (FLOWS_BINARY_STRUCTURE). */
export function flowsToRowBinary(flows: readonly EnrichedFlow[]): Uint8Array {
  const w = new RowBinaryWriter(flows.length * 400);
  for (const f of flows) encodeFlowRow(w, f);
  return w.bytes();
}

/** A flow as one JSONCompactEachRow row (or a JSONEachRow object), in `flows` column order. */
export function flowToRow(f: EnrichedFlow): unknown[] {
  return GETTERS.map((g) => g(f));
}

export function flowToObject(f: EnrichedFlow): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < COLUMNS.length; i++) o[COLUMNS[i]!] = GETTERS[i]!(f);
  return o;
}

type Raw = Record<string, unknown>;

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

const FIRST_NS = 'toString(toUnixTimestamp64Nano(first_seen)) AS first_ns';
const LAST_NS = 'toString(toUnixTimestamp64Nano(last_seen)) AS last_ns';
const ipVersionOf = (r: Raw): 4 | 6 => (num(r.ip_version) === 4 ? 4 : 6);

/**
 * How each field of a flow is read: what it selects (times as exact nanoseconds, addresses as raw
 * bytes) and how it is made from the row. A read can ask for some fields only: a flows page
 * showing ten columns reads ten of the 44 (measured on 10M flows: ~50 ms instead of ~120 ms).
 */
const FIELD_READS: {
  readonly [K in keyof EnrichedFlow]-?: readonly [readonly string[], (r: Raw) => EnrichedFlow[K]];
} = {
  capture_id: [['capture_id'], (r) => String(r.capture_id)],
  flow_id: [['flow_id'], (r) => String(r.flow_id)],
  version: [['version'], (r) => num(r.version)],
  final: [['final'], (r) => r.final === true || r.final === 1 || r.final === '1' || r.final === 'true'],
  first_ns: [[FIRST_NS], (r) => String(r.first_ns)],
  last_ns: [[LAST_NS], (r) => String(r.last_ns)],
  first_seen: [[FIRST_NS, 'time_digits'], (r) => nsToIso(String(r.first_ns), num(r.time_digits))],
  last_seen: [[LAST_NS, 'time_digits'], (r) => nsToIso(String(r.last_ns), num(r.time_digits))],
  duration: [['duration'], (r) => num(r.duration)],
  src_ip: [
    ['hex(src_ip) AS src_ip_hex', 'ip_version'],
    (r) => ipFromHex(String(r.src_ip_hex), ipVersionOf(r)),
  ],
  src_port: [['src_port'], (r) => numOrNull(r.src_port)],
  dst_ip: [
    ['hex(dst_ip) AS dst_ip_hex', 'ip_version'],
    (r) => ipFromHex(String(r.dst_ip_hex), ipVersionOf(r)),
  ],
  dst_port: [['dst_port'], (r) => numOrNull(r.dst_port)],
  ip_version: [['ip_version'], ipVersionOf],
  ip_proto: [['ip_proto'], (r) => num(r.ip_proto)],
  packets_src: [['packets_src'], (r) => num(r.packets_src)],
  packets_dst: [['packets_dst'], (r) => num(r.packets_dst)],
  bytes_src: [['bytes_src'], (r) => num(r.bytes_src)],
  bytes_dst: [['bytes_dst'], (r) => num(r.bytes_dst)],
  payload_bytes_src: [['payload_bytes_src'], (r) => num(r.payload_bytes_src)],
  payload_bytes_dst: [['payload_bytes_dst'], (r) => num(r.payload_bytes_dst)],
  app: [['app'], (r) => String(r.app)],
  server_name: [['server_name'], (r) => str(r.server_name)],
  tls_version: [['tls_version'], (r) => str(r.tls_version)],
  alpn: [['alpn'], (r) => str(r.alpn)],
  quic_version: [['quic_version'], (r) => str(r.quic_version)],
  tcp_state: [['tcp_state'], (r) => str(r.tcp_state)],
  tcp_flags_src: [['tcp_flags_src'], (r) => str(r.tcp_flags_src)],
  tcp_flags_dst: [['tcp_flags_dst'], (r) => str(r.tcp_flags_dst)],
  tunnel: [['tunnel'], (r) => str(r.tunnel)],
  src_scope: [['src_scope'], (r) => String(r.src_scope) as AddressScope],
  dst_scope: [['dst_scope'], (r) => String(r.dst_scope) as AddressScope],
  src_country: [['src_country'], (r) => str(r.src_country)],
  dst_country: [['dst_country'], (r) => str(r.dst_country)],
  src_city: [['src_city'], (r) => str(r.src_city)],
  dst_city: [['dst_city'], (r) => str(r.dst_city)],
  src_lat: [['src_lat'], (r) => numOrNull(r.src_lat)],
  src_lon: [['src_lon'], (r) => numOrNull(r.src_lon)],
  dst_lat: [['dst_lat'], (r) => numOrNull(r.dst_lat)],
  dst_lon: [['dst_lon'], (r) => numOrNull(r.dst_lon)],
  src_asn: [['src_asn'], (r) => numOrNull(r.src_asn)],
  dst_asn: [['dst_asn'], (r) => numOrNull(r.dst_asn)],
  src_as_org: [['src_as_org'], (r) => str(r.src_as_org)],
  dst_as_org: [['dst_as_org'], (r) => str(r.dst_as_org)],
};

export type FlowField = keyof EnrichedFlow;

/** Every field of a flow, in the order reads return them. */
export const FLOW_READ_FIELDS = Object.keys(FIELD_READS) as FlowField[];

/** The SELECT list that reads `fields` (all of them by default). */
export function flowSelect(fields: readonly FlowField[] = FLOW_READ_FIELDS): string {
  const exprs = new Set<string>();
  for (const f of fields) {
    const read = FIELD_READS[f];
    if (!read) throw new StoreError('INVALID_ARGUMENT', `flows have no field ${String(f)}`);
    for (const e of read[0]) exprs.add(e);
  }
  return [...exprs].join(', ');
}

/** What a read selects: every column. */
export const FLOW_SELECT = flowSelect();

/** The flow (or its `fields`) from a row selected by flowSelect(fields). */
export function readFlow(r: Raw, fields: readonly FlowField[]): Partial<EnrichedFlow> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = FIELD_READS[f][1](r);
  return out as Partial<EnrichedFlow>;
}

export function rowToFlow(r: Raw): EnrichedFlow {
  return readFlow(r, FLOW_READ_FIELDS) as EnrichedFlow;
}

/**
 * The rows of one insert without repeats of a flow version (capture, flow, version), the last
 * kept, as a ReplacingMergeTree keeps it. Inserts skip the engine's own merging of the block
 * (`optimize_on_insert = 0`, below); this keeps what it gave: a final row stored once per flow,
 * which the reads without FINAL and the rollups count on. (A batch holds a repeat when a parser
 * replays flows it had sent before they were written.)
 */
export function uniqueFlowVersions<T extends Pick<EnrichedFlow, 'capture_id' | 'flow_id' | 'version'>>(
  rows: readonly T[],
): readonly T[] {
  // Most batches repeat no flow id at all, which is checked without building a key per row.
  const ids = new Set<string>();
  for (const r of rows) ids.add(r.flow_id);
  if (ids.size === rows.length) return rows;
  const identity = (r: T) => `${r.capture_id}/${r.flow_id}/${r.version}`;
  const last = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) last.set(identity(rows[i]!), i);
  return rows.filter((r, i) => last.get(identity(r)) === i);
}

/**
 * The settings of a flows insert: idempotent by token, and without `optimize_on_insert`. That pass
 * merges the block's rows by sorting key in `flows` and in every rollup; the rollups' views
 * already GROUP BY their key and the flows are made unique above, so it merged nothing, at ~0.6 s
 * of ClickHouse CPU per 200,000 flows (chDB 3.4, 50,000-flow inserts into `flows` and its seven
 * rollups: ~4.5 s against ~3.9 s of process CPU, encoding included).
 */
function insertSettings(dedupToken: string): ClickHouseSettings {
  return { ...dedupSettings(dedupToken), optimize_on_insert: 0 };
}

export function createFlowsRepo(db: Db): FlowsRepo {
  const flows = db.table('flows');
  return {
    async insert(rows, dedupToken) {
      if (typeof dedupToken !== 'string' || dedupToken === '') {
        throw new StoreError('INVALID_ARGUMENT', 'flows.insert needs a non-empty dedup token');
      }
      if (rows.length === 0) return;
      rows = uniqueFlowVersions(rows);
      if (db.binaryInserts) {
        await db.insertBinary(
          `inserting ${rows.length} flows`,
          'flows',
          COLUMNS,
          FLOWS_BINARY_STRUCTURE,
          flowsToRowBinary(rows),
          insertSettings(dedupToken) as Record<string, string | number>,
        );
        return;
      }
      const values = INSERT_FORMAT === 'JSONCompactEachRow' ? rows.map(flowToRow) : rows.map(flowToObject);
      await db.insert(
        `inserting ${rows.length} flows`,
        'flows',
        COLUMNS,
        values,
        INSERT_FORMAT,
        insertSettings(dedupToken),
      );
    },

    async *byCapture(captureId, options = {}) {
      const pageSize = Math.max(1, Math.min(1_000_000, Math.floor(options.pageSize ?? 10_000)));
      const onlyFinal = options.final === true ? 'AND final' : '';
      let after: { ns: string; flowId: string } | undefined;
      for (;;) {
        const keyset = after
          ? "AND first_seen >= fromUnixTimestamp64Nano({after_ns:Int64}, 'UTC') " +
            "AND (first_seen > fromUnixTimestamp64Nano({after_ns:Int64}, 'UTC') OR flow_id > {after_id:String})"
          : '';
        const rows = await db.rows<Raw>(
          `reading flows of capture ${captureId}`,
          `SELECT ${FLOW_SELECT} FROM ${flows} FINAL WHERE capture_id = {capture_id:String} ${onlyFinal} ${keyset} ` +
            'ORDER BY first_seen, flow_id LIMIT {limit:UInt32}',
          {
            capture_id: captureId,
            limit: pageSize,
            ...(after ? { after_ns: after.ns, after_id: after.flowId } : {}),
          },
        );
        for (const r of rows) yield rowToFlow(r);
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        after = { ns: String(last.first_ns), flowId: String(last.flow_id) };
      }
    },

    async count(captureId, options = {}) {
      const rows = await db.rows<{ n: unknown }>(
        `counting flows of capture ${captureId}`,
        `SELECT count() AS n FROM ${flows} FINAL WHERE capture_id = {capture_id:String}${options.final === true ? ' AND final' : ''}`,
        { capture_id: captureId },
      );
      return num(rows[0]?.n ?? 0);
    },
  };
}
