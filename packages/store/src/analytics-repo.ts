import type { EnrichedFlow } from '@capstream/pipeline';
import type { ClickHouseSettings } from '@clickhouse/client';
import { DURATION_BUCKETS, durationBucketSql, PORT_RANGES, portRangeSql } from './buckets.ts';
import { ipFromHex, num, numOrNull } from './convert.ts';
import type { Db } from './db.ts';
import { StoreError } from './errors.ts';
import { cidrRange, compileFilter, type FlowFilter, type Sql } from './flow-filter.ts';
import {
  FLOW_READ_FIELDS,
  FLOW_SELECT,
  type FlowField,
  flowSelect,
  readFlow,
  rowToFlow,
} from './flows-repo.ts';
import {
  ADDRESSES_1H,
  APP_ADDRESSES_1H,
  FLOWS_1H,
  FLOWS_1M,
  PLACES_1H,
  type RollupDef,
  rollupSelect,
  SHAPES_1H,
  TRAFFIC_1H,
} from './schema.ts';

export type End = 'SRC' | 'DST' | 'ANY';
export type TalkerMetric = 'FLOWS' | 'BYTES' | 'BYTES_SENT' | 'BYTES_RECEIVED' | 'PACKETS';
export type OrderDirection = 'ASC' | 'DESC';

export interface Totals {
  flows: number;
  packets: number;
  bytes: number;
  bytesSrc: number;
  bytesDst: number;
  uniqueIps: number;
  captures: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface ProtocolStat {
  app: string;
  flows: number;
  packets: number;
  bytes: number;
}

export interface CountryStat {
  country: string;
  flows: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface CityStat extends CountryStat {
  city: string;
  lat: number | null;
  lon: number | null;
}

export interface Talker {
  ip: string;
  flows: number;
  packets: number;
  bytesSent: number;
  bytesReceived: number;
  country: string | null;
  asn: number | null;
  asOrg: string | null;
  name: string | null;
}

export interface SankeyLink {
  source: string;
  target: string;
  flows: number;
  bytes: number;
}

export interface AppCount {
  app: string;
  flows: number;
}

export interface DurationBucket {
  label: string;
  maxSeconds: number | null;
  flows: number;
  byApp: AppCount[];
}

export interface PortRangeCount {
  label: string;
  from: number;
  to: number;
  flows: number;
  bytes: number;
}

export interface TimelinePoint {
  t: string;
  flows: number;
  packets: number;
  bytes: number;
  bytesSrc: number;
  bytesDst: number;
}

export interface Timeline {
  step: number;
  points: TimelinePoint[];
}

export interface DayHourCell {
  day: string;
  hour: number;
  flows: number;
  bytes: number;
}

export interface IpProfile {
  ip: string;
  firstSeen: string | null;
  lastSeen: string | null;
  flows: number;
  bytesSent: number;
  bytesReceived: number;
  country: string | null;
  city: string | null;
  asn: number | null;
  asOrg: string | null;
  names: string[];
  peers: Talker[];
  protocols: ProtocolStat[];
  countries: CountryStat[];
  hours: { hour: number; flows: number }[];
}

export interface CompareRow {
  key: string;
  a: number;
  b: number;
}

export interface Comparison {
  protocols: CompareRow[];
  countries: CompareRow[];
  talkers: CompareRow[];
  appeared: string[];
  vanished: string[];
}

export type FlowOrderField =
  | 'FIRST_SEEN'
  | 'LAST_SEEN'
  | 'DURATION'
  | 'SRC_IP'
  | 'SRC_PORT'
  | 'DST_IP'
  | 'DST_PORT'
  | 'IP_PROTO'
  | 'APP'
  | 'SERVER_NAME'
  | 'PACKETS'
  | 'BYTES'
  | 'PACKETS_SRC'
  | 'PACKETS_DST'
  | 'BYTES_SRC'
  | 'BYTES_DST'
  | 'SRC_COUNTRY'
  | 'DST_COUNTRY'
  | 'SRC_ASN'
  | 'DST_ASN'
  | 'TCP_STATE';

/** The SQL each sortable field orders by (a fixed list: no user text reaches ORDER BY). */
const ORDER_SQL: Readonly<Record<FlowOrderField, string>> = {
  FIRST_SEEN: 'first_seen',
  LAST_SEEN: 'last_seen',
  DURATION: 'duration',
  SRC_IP: 'src_ip',
  SRC_PORT: 'src_port',
  DST_IP: 'dst_ip',
  DST_PORT: 'dst_port',
  IP_PROTO: 'ip_proto',
  APP: 'app',
  SERVER_NAME: 'server_name',
  PACKETS: 'packets',
  BYTES: 'bytes',
  PACKETS_SRC: 'packets_src',
  PACKETS_DST: 'packets_dst',
  BYTES_SRC: 'bytes_src',
  BYTES_DST: 'bytes_dst',
  SRC_COUNTRY: 'src_country',
  DST_COUNTRY: 'dst_country',
  SRC_ASN: 'src_asn',
  DST_ASN: 'dst_asn',
  TCP_STATE: 'tcp_state',
};

/**
 * Fields whose top-N a flows page finds in two steps: the N-th value first (one narrow column),
 * then the page among the rows at or past it, which the column's minmax index narrows to a few
 * granules. Worth it for fields with many distinct values, in the directions where the extreme
 * values are rare (the largest sizes, the newest or oldest times); the type is the bound's.
 */
const THRESHOLD_FIELDS: Partial<Record<FlowOrderField, { type: string; directions: OrderDirection[] }>> = {
  FIRST_SEEN: { type: "DateTime64(9, 'UTC')", directions: ['ASC', 'DESC'] },
  LAST_SEEN: { type: "DateTime64(9, 'UTC')", directions: ['ASC', 'DESC'] },
  DURATION: { type: 'Float64', directions: ['DESC'] },
  PACKETS: { type: 'UInt64', directions: ['DESC'] },
  BYTES: { type: 'UInt64', directions: ['DESC'] },
  PACKETS_SRC: { type: 'UInt64', directions: ['DESC'] },
  PACKETS_DST: { type: 'UInt64', directions: ['DESC'] },
  BYTES_SRC: { type: 'UInt64', directions: ['DESC'] },
  BYTES_DST: { type: 'UInt64', directions: ['DESC'] },
};

/** Every field a flows page can be ordered by, in the order the schema lists them. */
export const FLOW_ORDER_FIELDS = Object.keys(ORDER_SQL) as FlowOrderField[];

export interface FlowPageOptions {
  orderBy?: { field: FlowOrderField; direction: OrderDirection } | null;
  limit: number;
  offset: number;
  /** Only these fields are read (capture and flow id always are); all of them by default. */
  fields?: readonly FlowField[] | null;
}

export { DURATION_BUCKETS, PORT_RANGES } from './buckets.ts';

/** Steps a timeline may take (seconds): the smallest that keeps the points under the maximum. */
const STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800,
];

export interface AnalyticsRepo {
  totals(filter?: FlowFilter | null): Promise<Totals>;
  protocols(filter: FlowFilter | null | undefined, limit: number): Promise<ProtocolStat[]>;
  countries(filter: FlowFilter | null | undefined, end: End, limit?: number): Promise<CountryStat[]>;
  cities(
    filter: FlowFilter | null | undefined,
    country: string | null,
    end: End,
    limit: number,
  ): Promise<CityStat[]>;
  talkers(
    filter: FlowFilter | null | undefined,
    end: End,
    by: TalkerMetric,
    limit: number,
  ): Promise<Talker[]>;
  protocolCountry(filter: FlowFilter | null | undefined, limit: number): Promise<SankeyLink[]>;
  protocolDay(filter: FlowFilter | null | undefined, limit: number): Promise<SankeyLink[]>;
  durationHistogram(filter?: FlowFilter | null): Promise<DurationBucket[]>;
  portRanges(filter: FlowFilter | null | undefined, end: End): Promise<PortRangeCount[]>;
  timeline(filter: FlowFilter | null | undefined, step: number | null, maxPoints: number): Promise<Timeline>;
  dayHour(filter?: FlowFilter | null): Promise<DayHourCell[]>;
  ipProfile(ip: string, filter: FlowFilter | null | undefined, limit: number): Promise<IpProfile>;
  compare(a: FlowFilter, b: FlowFilter, limit: number): Promise<Comparison>;
  /** One page of flows (newest version of each) and how many match. */
  flowPage(filter: FlowFilter | null | undefined, options: FlowPageOptions): Promise<Partial<EnrichedFlow>[]>;
  count(filter?: FlowFilter | null): Promise<number>;
  flow(captureId: string, flowId: string): Promise<EnrichedFlow | undefined>;
  /** Every matching flow, in (capture, first_seen, flow_id) order, a page at a time. */
  iterate(filter: FlowFilter | null | undefined, pageSize?: number): AsyncIterable<EnrichedFlow>;
}

export interface AnalyticsOptions {
  /** Longest a query may run (ClickHouse `max_execution_time`), in seconds. Default 20. */
  maxExecutionSeconds?: number;
}

type Raw = Record<string, unknown>;

/** '2026-01-02 03:04:05.123456789' (ClickHouse DateTime64 text) as ISO-8601 UTC. */
function chTimeToIso(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const s = String(v);
  return `${s.replace(' ', 'T')}Z`;
}

const V4_MAPPED = '00000000000000000000FFFF';

function ipText(hex: unknown): string {
  const h = String(hex);
  return ipFromHex(h, h.toUpperCase().startsWith(V4_MAPPED) ? 4 : 6);
}

function str(v: unknown): string | null {
  return v === null || v === undefined || v === '' ? null : String(v);
}

/** What a flow's end contributes, as the (initiator, responder) column expressions. */
const END_COLUMNS = {
  ip: ['src_ip', 'dst_ip'],
  sent: ['bytes_src', 'bytes_dst'],
  received: ['bytes_dst', 'bytes_src'],
  packets: ['packets_src + packets_dst', 'packets_src + packets_dst'],
  country: ['src_country', 'dst_country'],
  city: ['src_city', 'dst_city'],
  lat: ['src_lat', 'dst_lat'],
  lon: ['src_lon', 'dst_lon'],
  which: ['1', '2'],
} as const;
type EndColumn = keyof typeof END_COLUMNS;

/**
 * One row per end of a flow (or per chosen end), with only the columns a query needs: a wide
 * tuple makes ClickHouse read every column in it for every row. `e(name)` names an element.
 */
function endpoints(end: End, columns: readonly EndColumn[]): { join: string; e: (c: EndColumn) => string } {
  const tuple = (i: 0 | 1) => `(${columns.map((c) => END_COLUMNS[c][i]).join(', ')})`;
  const ends = end === 'SRC' ? [tuple(0)] : end === 'DST' ? [tuple(1)] : [tuple(0), tuple(1)];
  return { join: `ARRAY JOIN [${ends.join(', ')}] AS e`, e: (c) => `e.${columns.indexOf(c) + 1}` };
}

/** Rollups by address, smallest first: the one with applications only when a filter names some. */
const ADDRESS_ROLLUPS = [ADDRESSES_1H, APP_ADDRESSES_1H];

const TALKER_ORDER: Readonly<Record<TalkerMetric, string>> = {
  FLOWS: 'flows',
  BYTES: '(sent + received)',
  BYTES_SENT: 'sent',
  BYTES_RECEIVED: 'received',
  PACKETS: 'packets',
};

/** The filter fields a rollup can apply: those whose columns it keeps. */
function filterFields(rollup: RollupDef): ReadonlySet<string> {
  const columns = new Set(rollup.table.columns.map((c) => c.name));
  const fields = ['datasetIds', 'captureIds', 'and', 'or'];
  if (columns.has('app')) fields.push('apps');
  if (columns.has('ip_proto')) fields.push('ipProtos');
  if (columns.has('src_country')) fields.push('countries', 'srcCountries', 'dstCountries');
  if (columns.has('src_asn')) fields.push('asns');
  return new Set(fields);
}

/** Whether a filter (and its AND/OR groups) uses only these fields. */
function covers(f: FlowFilter | null | undefined, fields: ReadonlySet<string>): boolean {
  if (f === null || f === undefined) return true;
  return Object.entries(f).every(
    ([k, v]) =>
      v === null ||
      v === undefined ||
      (fields.has(k) &&
        (k === 'and' || k === 'or' ? (v as FlowFilter[]).every((g) => covers(g, fields)) : true)),
  );
}

/**
 * The first bucket boundary at or after (`up`) or at or before a time, in ms; null when the text
 * has no explicit zone (ClickHouse reads it as UTC, Date.parse as local time) or does not parse.
 */
function bucketEdge(text: string, step: number, up: boolean): number | null {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const down = Math.floor(ms / step) * step;
  // Date.parse keeps milliseconds; a nonzero digit past them puts the time after `down`.
  const finer = /\.\d{3}\d*[1-9]/.test(text);
  return up && (down !== ms || finer) ? down + step : down;
}

/** Milliseconds since the epoch as ClickHouse DateTime text (UTC). */
function chTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function clampLimit(n: number, max = 10_000): number {
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new StoreError('INVALID_ARGUMENT', `limit must be an integer 1..${max}, got ${n}`);
  }
  return n;
}

export function createAnalyticsRepo(db: Db, options: AnalyticsOptions = {}): AnalyticsRepo {
  const flows = db.table('flows');
  const captures = db.table('captures');
  const dns = db.table('dns_names');
  const settings: ClickHouseSettings = {
    max_execution_time: options.maxExecutionSeconds ?? 20,
  };

  /**
   * The flows a filter selects, one row per flow: final rows are stored once per flow, so they are
   * read without FINAL (the expensive part at 10M rows). Flows still active in a running capture
   * exist only as non-final versions; while any capture runs, they are added with FINAL from those
   * captures alone.
   */
  function source(where: Sql, running: boolean): string {
    // `*` leaves out the MATERIALIZED columns (bytes, packets); name them.
    const all = '*, bytes, packets';
    if (!running) return `(SELECT ${all} FROM ${flows} WHERE final AND ${where.text})`;
    return (
      `(SELECT ${all} FROM ${flows} WHERE final AND ${where.text} ` +
      `UNION ALL SELECT ${all} FROM ${flows} FINAL WHERE capture_id IN ` +
      `(SELECT capture_id FROM ${captures} FINAL WHERE status IN ('QUEUED', 'RUNNING')) ` +
      `AND NOT final AND ${where.text})`
    );
  }

  /** Whether some capture is still being read (checked at most once a second). */
  let runningAt = 0;
  let runningNow: Promise<boolean> = Promise.resolve(true);
  function anyRunning(): Promise<boolean> {
    if (Date.now() - runningAt > 1000) {
      runningAt = Date.now();
      runningNow = db
        .rows<Raw>(
          'running captures',
          `SELECT count() AS n FROM ${captures} FINAL WHERE status IN ('QUEUED', 'RUNNING')`,
          {},
          settings,
        )
        .then((r) => num(r[0]?.n ?? 0) > 0)
        .catch(() => true);
    }
    return runningNow;
  }

  function query<T = Raw>(what: string, sql: string, params: Record<string, unknown>): Promise<T[]> {
    return db.rows<T>(what, sql, params, settings);
  }

  async function filtered(
    filter: FlowFilter | null | undefined,
    prefix = 'f',
  ): Promise<{ from: string; params: Raw }> {
    const where = compileFilter(filter, captures, prefix);
    return { from: source(where, await anyRunning()), params: where.params };
  }

  /**
   * Rollup rows that answer a query under this filter, if any: from the first of `rollups`
   * (smallest first) whose dimensions cover every field the filter uses, when no capture is running
   * (rollups hold final flows only). A time range (`from`/`to`, whose overlap test needs each
   * flow's last packet) is split: the whole buckets inside it come from the rollup, and the flows
   * at its edges (in a partial bucket, or started before `from` and still active) are rolled up
   * on the fly by the rollup's own SELECT, so the sum is exact.
   */
  async function rolledUp(
    filter: FlowFilter | null | undefined,
    rollups: readonly RollupDef[],
    prefix = 'f',
  ): Promise<{ rollup: RollupDef; from: string; params: Raw } | undefined> {
    if (rollups.length === 0 || (await anyRunning())) return undefined;
    const whole = rollups.find((r) => covers(filter, filterFields(r)));
    if (whole) {
      const where = compileFilter(filter, captures, prefix);
      return {
        rollup: whole,
        from: `(SELECT * FROM ${db.table(whole.table.name)} WHERE ${where.text})`,
        params: where.params,
      };
    }
    if (!filter || (filter.from == null && filter.to == null)) return undefined;
    const rest: FlowFilter = { ...filter, from: null, to: null };
    const rollup = rollups.find((r) => covers(rest, filterFields(r)));
    if (!rollup) return undefined;
    const step = rollup.bucketSeconds * 1000;
    const lo = filter.from == null ? undefined : bucketEdge(filter.from, step, true);
    const hi = filter.to == null ? undefined : bucketEdge(filter.to, step, false);
    if (lo === null || hi === null || (lo !== undefined && hi !== undefined && lo >= hi)) return undefined;
    const bounds: Raw = {};
    const inside = (col: string, type: string) =>
      [
        lo === undefined ? '' : `${col} >= {${prefix}lo:${type}}`,
        hi === undefined ? '' : `${col} < {${prefix}hi:${type}}`,
      ]
        .filter((c) => c !== '')
        .join(' AND ');
    if (lo !== undefined) bounds[`${prefix}lo`] = chTime(lo);
    if (hi !== undefined) bounds[`${prefix}hi`] = chTime(hi);
    const where = compileFilter(rest, captures, prefix);
    const edges = compileFilter(filter, captures, `${prefix}e`);
    const columns = rollup.table.columns.map((c) => `\`${c.name}\``).join(', ');
    const outside = `${edges.text} AND NOT (${inside('first_seen', "DateTime64(9, 'UTC')")})`;
    const edgeRows = rollupSelect(
      rollup,
      db.database,
      `${source({ ...edges, text: outside }, false)} AS flows`,
    );
    return {
      rollup,
      from:
        `(SELECT ${columns} FROM ${db.table(rollup.table.name)} WHERE ${where.text} ` +
        `AND ${inside('bucket', "DateTime('UTC')")} UNION ALL SELECT ${columns} FROM (${edgeRows}))`,
      params: { ...where.params, ...edges.params, ...bounds },
    };
  }

  /**
   * Where a grouping query reads: the smallest rollup whose dimensions the filter touches and
   * that `rollups` allows (the hourly traffic rollup is ~60x fewer rows than the flows at 10M),
   * else the flows. The expressions hide the difference (counts vs summed counts, NULL vs '').
   */
  async function grouped(
    filter: FlowFilter | null | undefined,
    rollups: readonly RollupDef[] = [TRAFFIC_1H, FLOWS_1H],
  ): Promise<{
    from: string;
    params: Raw;
    flows: string;
    flowsIf: (cond: string) => string;
    packets: string;
    bytes: string;
    time: string;
    known: (col: string) => string;
    text: (col: string) => string;
    /** The rollup read, if any. */
    rollup?: RollupDef;
  }> {
    const rolled = await rolledUp(filter, rollups);
    if (rolled) {
      return {
        from: rolled.from,
        params: rolled.params,
        flows: 'sum(flows)',
        flowsIf: (c) => `sumIf(flows, ${c})`,
        packets: 'sum(packets)',
        bytes: 'sum(bytes)',
        time: 'bucket',
        known: (c) => `${c} != ''`,
        text: (c) => c,
        rollup: rolled.rollup,
      };
    }
    const where = compileFilter(filter, captures, 'f');
    return {
      from: source(where, await anyRunning()),
      params: where.params,
      flows: 'count()',
      flowsIf: (c) => `countIf(${c})`,
      packets: 'sum(packets_src + packets_dst)',
      bytes: 'sum(bytes_src + bytes_dst)',
      time: 'first_seen',
      known: (c) => `${c} IS NOT NULL`,
      text: (c) => `ifNull(${c}, '')`,
    };
  }

  async function talkers(
    filter: FlowFilter | null | undefined,
    end: End,
    by: TalkerMetric,
    limit: number,
  ): Promise<Talker[]> {
    const rolled = await rolledUp(filter, ADDRESS_ROLLUPS);
    if (rolled) return talkersFromRollup(filter, rolled, end, by, limit);
    const { from, params } = await filtered(filter);
    const { join, e } = endpoints(end, ['ip', 'sent', 'received', 'packets']);
    // Rank on narrow columns first; names and places only for the few addresses shown.
    const rows = await query(
      'top talkers',
      `SELECT ${e('ip')} AS addr, hex(addr) AS ip, count() AS flows, sum(${e('packets')}) AS packets, ` +
        `sum(${e('sent')}) AS sent, sum(${e('received')}) AS received ` +
        `FROM ${from} ${join} GROUP BY addr ORDER BY ${TALKER_ORDER[by]} DESC, ip LIMIT {limit:UInt32}`,
      { ...params, limit: clampLimit(limit) },
    );
    const details = await addressDetails(filter, rows, () =>
      query(
        'talker details',
        'SELECT hex(addr) AS ip, any(country) AS country, any(asn) AS asn, any(as_org) AS as_org, any(name) AS name FROM (' +
          `SELECT src_ip AS addr, src_country AS country, src_asn AS asn, src_as_org AS as_org, CAST(NULL AS Nullable(String)) AS name FROM ${from} WHERE src_ip IN {addrs:Array(IPv6)} ` +
          `UNION ALL SELECT dst_ip, dst_country, dst_asn, dst_as_org, CAST(server_name AS Nullable(String)) FROM ${from} WHERE dst_ip IN {addrs:Array(IPv6)}` +
          ') GROUP BY addr',
        { ...params, addrs: rows.map((r) => ipText(r.ip)) },
      ),
    );
    for (const r of rows) Object.assign(r, details.get(String(r.ip)) ?? {}, { ip: r.ip });
    return rows.map(talkerOf);
  }

  /**
   * Place, AS and name of the addresses of `rows` (hex `ip`), by hex address. They do not depend
   * on which of an address's flows a filter picks: read from the address rollup of the filter's
   * captures when it can say (~4x faster than the flows), else by `fromFlows` (none when absent).
   */
  async function addressDetails(
    filter: FlowFilter | null | undefined,
    rows: readonly Raw[],
    fromFlows?: () => Promise<Raw[]>,
  ): Promise<Map<string, Raw>> {
    if (rows.length === 0) return new Map();
    const scope =
      filter && !filter.and && !filter.or
        ? { datasetIds: filter.datasetIds, captureIds: filter.captureIds }
        : filter;
    const rolled = await rolledUp(scope, [ADDRESSES_1H]);
    const found = rolled
      ? await query(
          'talker details',
          'SELECT hex(addr) AS ip, any(country) AS country, any(asn) AS asn, any(as_org) AS as_org, any(name) AS name ' +
            `FROM ${rolled.from} WHERE addr IN {addrs:Array(IPv6)} GROUP BY addr`,
          { ...rolled.params, addrs: rows.map((r) => ipText(r.ip)) },
        )
      : ((await fromFlows?.()) ?? []);
    return new Map(found.map((d) => [String(d.ip), d]));
  }

  /** Talkers from the address rollup: one row per (capture, hour, address), roles apart. */
  async function talkersFromRollup(
    filter: FlowFilter | null | undefined,
    rolled: { from: string; params: Raw },
    end: End,
    by: TalkerMetric,
    limit: number,
  ): Promise<Talker[]> {
    const roles = end === 'SRC' ? ['src'] : end === 'DST' ? ['dst'] : ['src', 'dst'];
    const total = (m: string) => `sum(${roles.map((r) => `${m}_as_${r}`).join(' + ')})`;
    // Rank on the numbers; the text columns only for the addresses shown (3x faster at 10M).
    const rows = await query(
      'top talkers',
      `SELECT hex(addr) AS ip, ${total('flows')} AS flows, ${total('packets')} AS packets, ` +
        `${total('sent')} AS sent, ${total('received')} AS received ` +
        `FROM ${rolled.from} GROUP BY addr HAVING flows > 0 ` +
        `ORDER BY ${TALKER_ORDER[by]} DESC, ip LIMIT {limit:UInt32}`,
      { ...rolled.params, limit: clampLimit(limit) },
    );
    if (rows.length === 0) return [];
    // A rollup covering the filter covers its scope too: the flows are never needed here.
    const details = await addressDetails(filter, rows);
    return rows.map((r) => talkerOf({ ...r, ...details.get(String(r.ip)), ip: r.ip }));
  }

  /**
   * How many distinct addresses (either end) the flows a filter selects have, as `ips`. Counted
   * straight from the rows (no DISTINCT set first: ~25% faster on 1.7M flows).
   */
  async function distinctAddresses(filter: FlowFilter | null | undefined): Promise<Raw[]> {
    const rolled = await rolledUp(filter, ADDRESS_ROLLUPS);
    if (rolled)
      return query('distinct addresses', `SELECT uniq(addr) AS ips FROM ${rolled.from}`, rolled.params);
    const { from, params } = await filtered(filter);
    return query('distinct addresses', `SELECT uniqArray([src_ip, dst_ip]) AS ips FROM ${from}`, params);
  }

  /** The distinct addresses (either end) of the flows a filter selects, as a subquery of `addr`. */
  async function addresses(
    filter: FlowFilter | null | undefined,
    prefix: string,
  ): Promise<{ from: string; params: Raw }> {
    const rolled = await rolledUp(filter, ADDRESS_ROLLUPS, prefix);
    if (rolled) return { from: `(SELECT DISTINCT addr FROM ${rolled.from})`, params: rolled.params };
    const { from, params } = await filtered(filter, prefix);
    return { from: `(SELECT DISTINCT arrayJoin([src_ip, dst_ip]) AS addr FROM ${from})`, params };
  }

  async function protocols(filter: FlowFilter | null | undefined, limit: number): Promise<ProtocolStat[]> {
    const g = await grouped(filter);
    const { from, params } = g;
    const rows = await query(
      'protocols',
      `SELECT app, ${g.flows} AS flows, ${g.packets} AS packets, ${g.bytes} AS bytes ` +
        `FROM ${from} GROUP BY app ORDER BY flows DESC, app LIMIT {limit:UInt32}`,
      { ...params, limit: clampLimit(limit) },
    );
    return rows.map((r) => ({
      app: String(r.app),
      flows: num(r.flows),
      packets: num(r.packets),
      bytes: num(r.bytes),
    }));
  }

  async function countries(
    filter: FlowFilter | null | undefined,
    end: End,
    limit = 300,
  ): Promise<CountryStat[]> {
    const g = await grouped(filter);
    const { from, params } = g;
    const { join, e } = endpoints(end, ['country', 'sent', 'received', 'which']);
    // A flow between two addresses of one country counts once for it: its responder's end counts
    // only when the initiator's country differs (cheaper than counting distinct flow ids).
    const rows = await query(
      'countries',
      `SELECT ${e('country')} AS country, ` +
        `${g.flowsIf(`${e('which')} = 1 OR ${g.text('src_country')} != ${g.text('dst_country')}`)} AS flows, ` +
        `sum(${e('sent')}) AS sent, sum(${e('received')}) AS received ` +
        `FROM ${from} ${join} WHERE ${g.known('country')} GROUP BY country ` +
        'ORDER BY flows DESC, country LIMIT {limit:UInt32}',
      { ...params, limit: clampLimit(limit) },
    );
    return rows.map((r) => ({
      country: String(r.country),
      flows: num(r.flows),
      bytesSent: num(r.sent),
      bytesReceived: num(r.received),
    }));
  }

  return {
    async totals(filter) {
      // Counts and the time span from the traffic rollup when it covers the filter; the number of
      // distinct addresses from the address rollup (or the flows) in a second query.
      const g = await grouped(filter, [TRAFFIC_1H]);
      const [r] = await query(
        'totals',
        `SELECT ${g.flows} AS flows, ${g.packets} AS packets, sum(bytes_src) AS bytes_src, ` +
          'sum(bytes_dst) AS bytes_dst, uniq(capture_id) AS captures, ' +
          // `flows` is the alias above (the rollup's column of that name is shadowed).
          'if(flows = 0, NULL, toString(min(first_seen))) AS first_seen, ' +
          'if(flows = 0, NULL, toString(max(last_seen))) AS last_seen ' +
          `FROM ${g.from}`,
        g.params,
      );
      const [ips] = await distinctAddresses(filter);
      const row: Raw = { ...r, ips: ips?.ips };
      return {
        flows: num(row.flows ?? 0),
        packets: num(row.packets ?? 0),
        bytes: num(row.bytes_src ?? 0) + num(row.bytes_dst ?? 0),
        bytesSrc: num(row.bytes_src ?? 0),
        bytesDst: num(row.bytes_dst ?? 0),
        uniqueIps: num(row.ips ?? 0),
        captures: num(row.captures ?? 0),
        firstSeen: chTimeToIso(row.first_seen),
        lastSeen: chTimeToIso(row.last_seen),
      };
    },

    protocols,
    countries,

    async cities(filter, country, end, limit) {
      const g = await grouped(filter, [PLACES_1H]);
      const { from, params } = g;
      const { join, e } = endpoints(end, ['country', 'city', 'lat', 'lon', 'sent', 'received', 'which']);
      const byCountry = country === null ? '' : 'AND country = {country:String}';
      const rows = await query(
        'cities',
        `SELECT ${e('country')} AS country, ${e('city')} AS city, any(${e('lat')}) AS lat, any(${e('lon')}) AS lon, ` +
          `${g.flowsIf(
            `${e('which')} = 1 OR ${g.text('src_country')} != ${g.text('dst_country')} ` +
              `OR ${g.text('src_city')} != ${g.text('dst_city')}`,
          )} AS flows, ` +
          `sum(${e('sent')}) AS sent, sum(${e('received')}) AS received ` +
          `FROM ${from} ${join} WHERE ${g.known('city')} AND ${g.known('country')} ${byCountry} ` +
          'GROUP BY country, city ORDER BY flows DESC, city LIMIT {limit:UInt32}',
        {
          ...params,
          limit: clampLimit(limit),
          ...(country === null ? {} : { country: country.toUpperCase() }),
        },
      );
      return rows.map((r) => ({
        country: String(r.country),
        city: String(r.city),
        lat: numOrNull(r.lat),
        lon: numOrNull(r.lon),
        flows: num(r.flows),
        bytesSent: num(r.sent),
        bytesReceived: num(r.received),
      }));
    },

    talkers,

    async protocolCountry(filter, limit) {
      const g = await grouped(filter);
      const { from, params } = g;
      const dst = g.text('dst_country');
      const src = g.text('src_country');
      const rows = await query(
        'protocol by country',
        `SELECT app AS source, if(${dst} != '', ${dst}, if(${src} != '', ${src}, '??')) AS target, ` +
          `${g.flows} AS flows, ${g.bytes} AS bytes FROM ${from} GROUP BY source, target ` +
          'ORDER BY flows DESC, source, target LIMIT {limit:UInt32}',
        { ...params, limit: clampLimit(limit) },
      );
      return rows.map(link);
    },

    async protocolDay(filter, limit) {
      const g = await grouped(filter);
      const { from, params } = g;
      const rows = await query(
        'protocol by day',
        `SELECT app AS source, toString(toDate(${g.time})) AS target, ${g.flows} AS flows, ` +
          `${g.bytes} AS bytes FROM ${from} GROUP BY source, target ` +
          'ORDER BY flows DESC, source, target LIMIT {limit:UInt32}',
        { ...params, limit: clampLimit(limit) },
      );
      return rows.map(link);
    },

    async durationHistogram(filter) {
      const g = await grouped(filter, [SHAPES_1H]);
      const bucket = g.rollup ? 'duration_bucket' : durationBucketSql('duration');
      const rows = await query(
        'duration histogram',
        `SELECT ${bucket} AS b, app, ${g.flows} AS flows ` +
          `FROM ${g.from} GROUP BY b, app ORDER BY b, flows DESC, app`,
        g.params,
      );
      const out: DurationBucket[] = DURATION_BUCKETS.map((b) => ({ ...b, flows: 0, byApp: [] }));
      for (const r of rows) {
        const b = out[num(r.b)]!;
        b.flows += num(r.flows);
        b.byApp.push({ app: String(r.app), flows: num(r.flows) });
      }
      return out;
    },

    async portRanges(filter, end) {
      const g = await grouped(filter, [SHAPES_1H]);
      const ends = end === 'SRC' ? ['src'] : end === 'DST' ? ['dst'] : ['src', 'dst'];
      const ranges = ends.map((e) => (g.rollup ? `${e}_port_range` : portRangeSql(`${e}_port`)));
      const rows = await query(
        'port ranges',
        `SELECT r, ${g.flows} AS flows, ${g.bytes} AS bytes ` +
          `FROM ${g.from} ARRAY JOIN [${ranges.join(', ')}] AS r WHERE r >= 0 GROUP BY r`,
        g.params,
      );
      const out: PortRangeCount[] = PORT_RANGES.map((r) => ({ ...r, flows: 0, bytes: 0 }));
      for (const r of rows) {
        const b = out[num(r.r)];
        if (b) {
          b.flows = num(r.flows);
          b.bytes = num(r.bytes);
        }
      }
      return out;
    },

    async timeline(filter, step, maxPoints) {
      const points = clampLimit(maxPoints, 5000);
      if (step !== null && (!Number.isInteger(step) || step < 1 || step > 31_536_000)) {
        throw new StoreError('INVALID_ARGUMENT', 'step must be whole seconds, 1 to 31536000');
      }
      // Whole-minute steps read the minute rollup (same buckets: flows count in their first
      // packet's minute either way); shorter steps read the flows.
      const plan = async (rollups: RollupDef[]) => {
        const g = await grouped(filter, rollups);
        const [span] = await query(
          'timeline span',
          `SELECT toUnixTimestamp(min(${g.time})) AS lo, toUnixTimestamp(max(${g.time})) AS hi, ${g.flows} AS n ` +
            `FROM ${g.from}`,
          g.params,
        );
        const lo = num(span?.lo ?? 0);
        const hi = num(span?.hi ?? 0);
        const chosen = step ?? STEPS.find((s) => (hi - lo) / s < points) ?? STEPS[STEPS.length - 1]!;
        return { g, n: num(span?.n ?? 0), lo, hi, chosen };
      };
      let p = await plan(step === null || step % 60 === 0 ? [FLOWS_1M] : []);
      if (p.g.time === 'bucket' && p.chosen % 60 !== 0) p = await plan([]);
      const { g, n, lo, hi, chosen } = p;
      if (n === 0) return { step: step ?? 60, points: [] };
      if ((hi - lo) / chosen > 10 * points) {
        throw new StoreError(
          'INVALID_ARGUMENT',
          `a step of ${chosen}s gives ${Math.ceil((hi - lo) / chosen)} points: choose a larger step or narrow the time range`,
        );
      }
      const rows = await query(
        'timeline',
        `SELECT intDiv(toUnixTimestamp(${g.time}), {step:UInt32}) * {step:UInt32} AS t, ${g.flows} AS flows, ` +
          `${g.packets} AS packets, sum(bytes_src) AS bytes_src, sum(bytes_dst) AS bytes_dst ` +
          `FROM ${g.from} GROUP BY t ORDER BY t`,
        { ...g.params, step: chosen },
      );
      const byT = new Map(rows.map((r) => [num(r.t), r]));
      const out: TimelinePoint[] = [];
      const first = Math.floor(lo / chosen) * chosen;
      for (let t = first; t <= hi; t += chosen) {
        const r = byT.get(t);
        const bytesSrc = num(r?.bytes_src ?? 0);
        const bytesDst = num(r?.bytes_dst ?? 0);
        out.push({
          t: new Date(t * 1000).toISOString(),
          flows: num(r?.flows ?? 0),
          packets: num(r?.packets ?? 0),
          bytes: bytesSrc + bytesDst,
          bytesSrc,
          bytesDst,
        });
      }
      return { step: chosen, points: out };
    },

    async dayHour(filter) {
      const g = await grouped(filter);
      const { from, params } = g;
      const rows = await query(
        'day by hour',
        `SELECT toString(toDate(${g.time})) AS day, toHour(${g.time}) AS hour, ${g.flows} AS flows, ` +
          `${g.bytes} AS bytes FROM ${from} GROUP BY day, hour ORDER BY day, hour`,
        params,
      );
      return rows.map((r) => ({
        day: String(r.day),
        hour: num(r.hour),
        flows: num(r.flows),
        bytes: num(r.bytes),
      }));
    },

    async ipProfile(ip, filter, limit) {
      if (typeof ip !== 'string' || ip.includes('/')) {
        throw new StoreError('INVALID_ARGUMENT', 'ip: expected one address (no prefix length)');
      }
      const { lo } = cidrRange(ip, 'ip');
      const scoped: FlowFilter = { and: [filter ?? {}, { ip }] };
      const { from, params } = await filtered(scoped);
      const p = { ...params, addr: lo, limit: clampLimit(limit) };
      // This address's own end of each flow, and the other end (its peer).
      const own =
        'ARRAY JOIN [if(src_ip = {addr:IPv6}, ' +
        '(bytes_src, bytes_dst, src_country, src_city, src_asn, src_as_org, dst_ip), ' +
        '(bytes_dst, bytes_src, dst_country, dst_city, dst_asn, dst_as_org, src_ip))] AS o';
      const [summary] = await query(
        'IP profile',
        'SELECT count() AS flows, sum(o.1) AS sent, sum(o.2) AS received, any(o.3) AS country, any(o.4) AS city, ' +
          'any(o.5) AS asn, any(o.6) AS as_org, ' +
          'if(count() = 0, NULL, toString(min(first_seen))) AS first_seen, ' +
          'if(count() = 0, NULL, toString(max(last_seen))) AS last_seen, ' +
          'groupUniqArrayIf(5)(server_name, dst_ip = {addr:IPv6} AND server_name IS NOT NULL) AS names ' +
          `FROM ${from} ${own}`,
        p,
      );
      const peerRows = await query(
        'IP profile peers',
        'SELECT hex(o.7) AS ip, count() AS flows, sum(packets_src + packets_dst) AS packets, ' +
          'sum(o.2) AS sent, sum(o.1) AS received, ' +
          'any(if(src_ip = {addr:IPv6}, dst_country, src_country)) AS country, ' +
          'any(if(src_ip = {addr:IPv6}, dst_asn, src_asn)) AS asn, ' +
          'any(if(src_ip = {addr:IPv6}, dst_as_org, src_as_org)) AS as_org, ' +
          'anyIf(server_name, src_ip = {addr:IPv6}) AS name ' +
          `FROM ${from} ${own} GROUP BY o.7 ORDER BY flows DESC, ip LIMIT {limit:UInt32}`,
        p,
      );
      const hours = await query(
        'IP profile hours',
        `SELECT toHour(first_seen) AS hour, count() AS flows FROM ${from} GROUP BY hour ORDER BY hour`,
        params,
      );
      const dnsNames = await query<{ name: string }>(
        'IP profile names',
        `SELECT DISTINCT name FROM ${dns} WHERE ip = {addr:IPv6} ORDER BY name LIMIT 20`,
        { addr: lo },
      );
      const s = summary ?? {};
      const names = new Set<string>([
        ...dnsNames.map((r) => r.name),
        ...((s.names as string[] | undefined) ?? []),
      ]);
      const peerCountries = await countries({ and: [scoped] }, 'ANY', limit);
      return {
        ip,
        firstSeen: chTimeToIso(s.first_seen),
        lastSeen: chTimeToIso(s.last_seen),
        flows: num(s.flows ?? 0),
        bytesSent: num(s.sent ?? 0),
        bytesReceived: num(s.received ?? 0),
        country: str(s.country),
        city: str(s.city),
        asn: numOrNull(s.asn),
        asOrg: str(s.as_org),
        names: [...names].sort(),
        peers: peerRows.map(talkerOf),
        protocols: await protocols(scoped, limit),
        countries: peerCountries,
        hours: hours.map((r) => ({ hour: num(r.hour), flows: num(r.flows) })),
      };
    },

    async compare(a, b, limit) {
      const n = clampLimit(limit);
      const pair = async (f: (x: FlowFilter) => Promise<{ key: string; v: number }[]>) => {
        const [ra, rb] = [await f(a), await f(b)];
        const rows = new Map<string, CompareRow>();
        for (const r of ra) rows.set(r.key, { key: r.key, a: r.v, b: 0 });
        for (const r of rb) {
          const row = rows.get(r.key) ?? { key: r.key, a: 0, b: 0 };
          row.b = r.v;
          rows.set(r.key, row);
        }
        return [...rows.values()].sort((x, y) => y.a + y.b - (x.a + x.b) || x.key.localeCompare(y.key));
      };
      const protocolRows = await pair(async (f) =>
        (await protocols(f, 1000)).map((r) => ({ key: r.app, v: r.flows })),
      );
      const countryRows = await pair(async (f) =>
        (await countries(f, 'ANY', 300)).map((r) => ({ key: r.country, v: r.flows })),
      );
      const talkerRows = await pair(async (f) =>
        (await talkers(f, 'ANY', 'BYTES', n)).map((r) => ({ key: r.ip, v: r.bytesSent + r.bytesReceived })),
      );
      const fa = await addresses(a, 'a');
      const fb = await addresses(b, 'b');
      const diff = async (x: typeof fa, y: typeof fa) => {
        const rows = await query(
          'addresses that differ',
          `SELECT hex(addr) AS ip FROM ${x.from} WHERE addr NOT IN (SELECT addr FROM ${y.from}) ` +
            'ORDER BY ip LIMIT {limit:UInt32}',
          { ...fa.params, ...fb.params, limit: n },
        );
        return rows.map((r) => ipText(r.ip));
      };
      return {
        protocols: protocolRows.slice(0, n),
        countries: countryRows.slice(0, n),
        talkers: talkerRows.slice(0, n),
        appeared: await diff(fb, fa),
        vanished: await diff(fa, fb),
      };
    },

    async flowPage(filter, { orderBy, limit, offset, fields }) {
      const field = orderBy?.field ?? 'FIRST_SEEN';
      const direction: OrderDirection = orderBy?.direction === 'ASC' ? 'ASC' : 'DESC';
      const expr = ORDER_SQL[field];
      if (!expr) throw new StoreError('INVALID_ARGUMENT', `cannot order by ${String(field)}`);
      const size = clampLimit(limit);
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new StoreError('INVALID_ARGUMENT', `offset must be a whole number, got ${offset}`);
      }
      // The page's last value first (see THRESHOLD_FIELDS), then the page among the rows at or
      // past it: the second query reads a few granules instead of every row's tie-breakers.
      const where = compileFilter(filter, captures, 'f');
      const running = await anyRunning();
      // Straight from the table when no capture is running: through the subquery of source(),
      // ClickHouse neither uses the skip indexes for the top N nor reads only the page's columns.
      const from = (w: Sql) => (running ? source(w, running) : `${flows} WHERE final AND ${w.text}`);
      let paged = where;
      const threshold = THRESHOLD_FIELDS[field];
      if (threshold?.directions.includes(direction)) {
        const [t] = await query(
          'flows page threshold',
          `SELECT toString(${expr}) AS t FROM ${from(where)} ORDER BY ${expr} ${direction} ` +
            'LIMIT 1 OFFSET {n:UInt64}',
          { ...where.params, n: offset + size - 1 },
        );
        if (t) {
          paged = {
            text: `${where.text} AND ${expr} ${direction === 'DESC' ? '>=' : '<='} {bound:${threshold.type}}`,
            params: { ...where.params, bound: String(t.t) },
          };
        }
      }
      const read: readonly FlowField[] = fields
        ? [...new Set<FlowField>(['capture_id', 'flow_id', ...fields])]
        : FLOW_READ_FIELDS;
      const rows = await query(
        'flows page',
        `SELECT ${flowSelect(read)} FROM ${from(paged)} ORDER BY ${expr} ${direction}, capture_id, flow_id ` +
          'LIMIT {limit:UInt32} OFFSET {offset:UInt64}',
        { ...paged.params, limit: size, offset },
      );
      return rows.map((r) => readFlow(r, read));
    },

    async count(filter) {
      // From the traffic rollup when it covers the filter (a flows page's total, on every page).
      const g = await grouped(filter, [TRAFFIC_1H]);
      const [r] = await query('counting flows', `SELECT ${g.flows} AS n FROM ${g.from}`, g.params);
      return num(r?.n ?? 0);
    },

    async flow(captureId, flowId) {
      const rows = await query(
        'one flow',
        `SELECT ${FLOW_SELECT} FROM ${flows} FINAL WHERE capture_id = {c:String} AND flow_id = {id:String} LIMIT 1`,
        { c: captureId, id: flowId },
      );
      return rows[0] ? rowToFlow(rows[0]) : undefined;
    },

    async *iterate(filter, pageSize = 10_000) {
      const size = clampLimit(pageSize, 1_000_000);
      let after: { capture: string; ns: string; id: string } | undefined;
      for (;;) {
        const scoped: FlowFilter = filter ?? {};
        const { from, params } = await filtered(scoped);
        const keyset = after
          ? 'WHERE (capture_id, toUnixTimestamp64Nano(first_seen), flow_id) > ({ac:String}, {ans:Int64}, {aid:String})'
          : '';
        const rows = await query(
          'exporting flows',
          `SELECT ${FLOW_SELECT} FROM ${from} ${keyset} ORDER BY capture_id, first_seen, flow_id LIMIT {limit:UInt32}`,
          { ...params, limit: size, ...(after ? { ac: after.capture, ans: after.ns, aid: after.id } : {}) },
        );
        for (const r of rows) yield rowToFlow(r);
        if (rows.length < size) return;
        const last = rows[rows.length - 1]!;
        after = { capture: String(last.capture_id), ns: String(last.first_ns), id: String(last.flow_id) };
      }
    },
  };
}

/** A talker row (ip as hex, sent/received/as_org) as a Talker. */
function talkerOf(r: Raw): Talker {
  return {
    ip: ipText(r.ip),
    flows: num(r.flows),
    packets: num(r.packets),
    bytesSent: num(r.sent),
    bytesReceived: num(r.received),
    country: str(r.country),
    asn: numOrNull(r.asn),
    asOrg: str(r.as_org),
    name: str(r.name),
  };
}

function link(r: Raw): SankeyLink {
  return { source: String(r.source), target: String(r.target), flows: num(r.flows), bytes: num(r.bytes) };
}
