import type { AddressScope, EnrichedFlow } from '@capstream/pipeline';
import { ipFromHex, isoDigits, nsToDateTime64, nsToIso, num, numOrNull } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
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
 * Insert format and path, measured here (chDB 3.4 / ClickHouse 26.7, 50,000 enriched flows per
 * insert into `flows` with its two rollup views, best of 3, on a 2-core machine that was busy
 * with other work; `test/insert-format.bench.ts`):
 *   chDB raw insert, JSONCompactEachRow  ~34,000 rows/s (1.5 s)   <- what the store does
 *   chDB raw insert, JSONEachRow         ~17,500 rows/s (2.9 s)
 *   client.insert,   JSONCompactEachRow  ~23,500 rows/s (2.1 s)   <- the path on a server
 *   client.insert,   JSONEachRow         ~14,800 rows/s (3.4 s)
 * JSONCompactEachRow sends no field names (~360 bytes a flow instead of ~880) and parses about
 * twice as fast. RowBinary/Native are not offered: @clickhouse/client inserts only JSON, CSV/TSV
 * and Parquet, and chDB's connection turns any body into one UTF-8 SQL string. TabSeparated through
 * the raw insert was ~15% faster again, not worth hand-written escaping. The two materialized
 * views cost about a third of the insert time.
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

/** A flow as one JSONCompactEachRow row (or a JSONEachRow object), in `flows` column order. */
export function flowToRow(f: EnrichedFlow): unknown[] {
  return GETTERS.map((g) => g(f));
}

export function flowToObject(f: EnrichedFlow): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < COLUMNS.length; i++) o[COLUMNS[i]!] = GETTERS[i]!(f);
  return o;
}

/** What a read selects: every column, with times as exact nanoseconds and addresses as raw bytes. */
export const FLOW_SELECT = [
  'capture_id',
  'flow_id',
  'version',
  'final',
  'toString(toUnixTimestamp64Nano(first_seen)) AS first_ns',
  'toString(toUnixTimestamp64Nano(last_seen)) AS last_ns',
  'time_digits',
  'duration',
  'hex(src_ip) AS src_ip_hex',
  'src_port',
  'hex(dst_ip) AS dst_ip_hex',
  'dst_port',
  ...COLUMNS.filter(
    (n) =>
      ![
        'capture_id',
        'flow_id',
        'version',
        'final',
        'first_seen',
        'last_seen',
        'time_digits',
        'duration',
        'src_ip',
        'src_port',
        'dst_ip',
        'dst_port',
      ].includes(n),
  ),
].join(', ');

type Raw = Record<string, unknown>;

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function rowToFlow(r: Raw): EnrichedFlow {
  const digits = num(r.time_digits);
  const ipVersion = num(r.ip_version) === 4 ? 4 : 6;
  const first_ns = String(r.first_ns);
  const last_ns = String(r.last_ns);
  return {
    flow_id: String(r.flow_id),
    src_ip: ipFromHex(String(r.src_ip_hex), ipVersion),
    src_port: numOrNull(r.src_port),
    dst_ip: ipFromHex(String(r.dst_ip_hex), ipVersion),
    dst_port: numOrNull(r.dst_port),
    ip_version: ipVersion,
    ip_proto: num(r.ip_proto),
    packets_src: num(r.packets_src),
    packets_dst: num(r.packets_dst),
    bytes_src: num(r.bytes_src),
    bytes_dst: num(r.bytes_dst),
    payload_bytes_src: num(r.payload_bytes_src),
    payload_bytes_dst: num(r.payload_bytes_dst),
    first_seen: nsToIso(first_ns, digits),
    last_seen: nsToIso(last_ns, digits),
    duration: num(r.duration),
    app: String(r.app),
    server_name: str(r.server_name),
    tls_version: str(r.tls_version),
    alpn: str(r.alpn),
    quic_version: str(r.quic_version),
    tcp_state: str(r.tcp_state),
    tcp_flags_src: str(r.tcp_flags_src),
    tcp_flags_dst: str(r.tcp_flags_dst),
    tunnel: str(r.tunnel),
    capture_id: String(r.capture_id),
    version: num(r.version),
    first_ns,
    last_ns,
    final: r.final === true || r.final === 1 || r.final === '1' || r.final === 'true',
    src_scope: String(r.src_scope) as AddressScope,
    dst_scope: String(r.dst_scope) as AddressScope,
    src_country: str(r.src_country),
    dst_country: str(r.dst_country),
    src_city: str(r.src_city),
    dst_city: str(r.dst_city),
    src_lat: numOrNull(r.src_lat),
    src_lon: numOrNull(r.src_lon),
    dst_lat: numOrNull(r.dst_lat),
    dst_lon: numOrNull(r.dst_lon),
    src_asn: numOrNull(r.src_asn),
    dst_asn: numOrNull(r.dst_asn),
    src_as_org: str(r.src_as_org),
    dst_as_org: str(r.dst_as_org),
  };
}

export function createFlowsRepo(db: Db): FlowsRepo {
  const flows = db.table('flows');
  return {
    async insert(rows, dedupToken) {
      if (typeof dedupToken !== 'string' || dedupToken === '') {
        throw new StoreError('INVALID_ARGUMENT', 'flows.insert needs a non-empty dedup token');
      }
      if (rows.length === 0) return;
      const values = INSERT_FORMAT === 'JSONCompactEachRow' ? rows.map(flowToRow) : rows.map(flowToObject);
      await db.insert(
        `inserting ${rows.length} flows`,
        'flows',
        COLUMNS,
        values,
        INSERT_FORMAT,
        dedupSettings(dedupToken),
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
