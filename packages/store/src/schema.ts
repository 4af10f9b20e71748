import { durationBucketSql, portRangeSql } from './buckets.ts';

/**
 * The wanted schema, as data. migrations.ts compares it with what exists (system.tables,
 * system.columns) and changes only what differs. Types are written exactly as ClickHouse prints
 * them in system.columns, so an up-to-date table compares equal and a re-run does nothing.
 *
 * Add a column by appending it here (a migration adds it to existing tables with ALTER TABLE ADD
 * COLUMN, placed after its predecessor); never rename or reorder one that is already released.
 */

export interface ColumnDef {
  name: string;
  /** As system.columns.type prints it, e.g. `LowCardinality(Nullable(String))`, `DateTime64(9, 'UTC')`. */
  type: string;
  /** DEFAULT expression, for columns added to tables that already hold rows. */
  default?: string;
  /** MATERIALIZED expression: computed at insert, not part of `SELECT *` nor of inserts. */
  materialized?: string;
}

/** A data-skipping index, e.g. a minmax over a sortable expression. */
export interface IndexDef {
  name: string;
  expr: string;
  /** As system.data_skipping_indices.type_full prints it, e.g. `minmax`. */
  type: string;
}

export interface TableDef {
  name: string;
  columns: readonly ColumnDef[];
  /** ENGINE clause, e.g. `ReplacingMergeTree(version)`. */
  engine: string;
  /** ORDER BY expression, e.g. `(capture_id, first_seen, flow_id)`. */
  orderBy: string;
  /** As system.tables.sorting_key prints the ORDER BY, e.g. `capture_id, first_seen, flow_id`. */
  sortingKey: string;
  partitionBy?: string;
  /** MergeTree settings that a migration keeps in step (MODIFY SETTING). */
  settings: Readonly<Record<string, number>>;
  /** Settings given only when the table is created (ClickHouse cannot change them later). */
  createSettings?: Readonly<Record<string, number>>;
  /** Skipping indexes; a migration adds (and materializes) missing ones. */
  indexes?: readonly IndexDef[];
}

/** What most rollups group by: capture, time bucket, application, protocol, both countries. */
const ROLLUP_DIMENSIONS: readonly ColumnDef[] = [
  { name: 'capture_id', type: 'String' },
  { name: 'bucket', type: "DateTime('UTC')" },
  { name: 'app', type: 'LowCardinality(String)' },
  { name: 'ip_proto', type: 'UInt8' },
  { name: 'src_country', type: 'LowCardinality(String)' },
  { name: 'dst_country', type: 'LowCardinality(String)' },
];

/** A rollup: a SummingMergeTree fed by a materialized view over `flows`. */
export interface RollupDef {
  table: TableDef;
  view: string;
  /** The width of its time buckets (`bucket`), in seconds. */
  bucketSeconds: number;
  /** The view's SELECT, with `{db}` standing for the database. */
  select: string;
}

/**
 * A rollup's SELECT in `database`, reading from `from` instead of the flows table: the flows as
 * its view sees them, `flows FINAL` for a backfill, or a subquery aliased `flows`.
 */
export function rollupSelect(def: RollupDef, database: string, from?: string): string {
  const flows = `\`${database}\`.flows`;
  return def.select.replace('FROM {db}.flows', `FROM ${from ?? flows}`).replaceAll('{db}', `\`${database}\``);
}

/**
 * How many recent insert blocks a (non-replicated) MergeTree remembers for
 * `insert_deduplication_token`: a batch redelivered within the last 1000 inserts into the table is
 * dropped. Older replays are still harmless for `flows` (ReplacingMergeTree by flow id and version)
 * and `dns_names`, but would be counted again by the rollups.
 */
export const DEDUP_WINDOW = 1000;

export const CAPTURES: TableDef = {
  name: 'captures',
  columns: [
    { name: 'capture_id', type: 'String' },
    { name: 'dataset_id', type: 'String' },
    { name: 'name', type: 'String' },
    // Never a secret: an URL is stored without its query string, fragment and user info.
    { name: 'source', type: 'String' },
    { name: 'status', type: 'LowCardinality(String)' },
    { name: 'error', type: 'String' },
    { name: 'bytes_read', type: 'UInt64' },
    { name: 'bytes_total', type: 'Nullable(UInt64)' },
    { name: 'packets', type: 'UInt64' },
    { name: 'flows', type: 'UInt64' },
    { name: 'first_seen', type: "Nullable(DateTime64(9, 'UTC'))" },
    { name: 'last_seen', type: "Nullable(DateTime64(9, 'UTC'))" },
    { name: 'link_types', type: 'Array(UInt16)' },
    { name: 'format', type: 'String' },
    { name: 'sha256', type: 'String' },
    { name: 'counters', type: 'Map(String, UInt64)' },
    // What the pipeline set aside for this capture (dead letters), one line each.
    { name: 'lost', type: 'Array(String)' },
    { name: 'submitted_at', type: "DateTime64(3, 'UTC')" },
    { name: 'updated_at', type: "DateTime64(3, 'UTC')" },
    { name: 'version', type: 'UInt64' },
  ],
  engine: 'ReplacingMergeTree(version)',
  orderBy: 'capture_id',
  sortingKey: 'capture_id',
  settings: {},
};

/**
 * One row per emission of a flow: an active flow flushed twice is inserted twice with a higher
 * `version`; reads use FINAL and get the newest. Addresses are IPv6 (IPv4 stored v4-mapped) and
 * `ip_version` says how to print them back; times are DateTime64(9) built from the exact
 * nanosecond strings, and `time_digits` keeps how many fractional digits the capture printed, so
 * `first_seen`/`last_seen` read back as the same text.
 */
export const FLOWS: TableDef = {
  name: 'flows',
  columns: [
    { name: 'capture_id', type: 'String' },
    { name: 'flow_id', type: 'String' },
    { name: 'version', type: 'UInt64' },
    { name: 'final', type: 'Bool' },
    { name: 'first_seen', type: "DateTime64(9, 'UTC')" },
    { name: 'last_seen', type: "DateTime64(9, 'UTC')" },
    { name: 'time_digits', type: 'UInt8', default: '9' },
    { name: 'duration', type: 'Float64' },
    { name: 'src_ip', type: 'IPv6' },
    { name: 'src_port', type: 'Nullable(UInt16)' },
    { name: 'dst_ip', type: 'IPv6' },
    { name: 'dst_port', type: 'Nullable(UInt16)' },
    { name: 'ip_version', type: 'UInt8' },
    { name: 'ip_proto', type: 'UInt8' },
    { name: 'packets_src', type: 'UInt64' },
    { name: 'packets_dst', type: 'UInt64' },
    { name: 'bytes_src', type: 'UInt64' },
    { name: 'bytes_dst', type: 'UInt64' },
    { name: 'payload_bytes_src', type: 'UInt64' },
    { name: 'payload_bytes_dst', type: 'UInt64' },
    { name: 'app', type: 'LowCardinality(String)' },
    { name: 'server_name', type: 'LowCardinality(Nullable(String))' },
    { name: 'tls_version', type: 'LowCardinality(Nullable(String))' },
    { name: 'alpn', type: 'LowCardinality(Nullable(String))' },
    { name: 'quic_version', type: 'LowCardinality(Nullable(String))' },
    { name: 'tcp_state', type: 'LowCardinality(Nullable(String))' },
    { name: 'tcp_flags_src', type: 'LowCardinality(Nullable(String))' },
    { name: 'tcp_flags_dst', type: 'LowCardinality(Nullable(String))' },
    { name: 'tunnel', type: 'LowCardinality(Nullable(String))' },
    { name: 'src_scope', type: 'LowCardinality(String)', default: "'public'" },
    { name: 'dst_scope', type: 'LowCardinality(String)', default: "'public'" },
    // ISO 3166-1 alpha-2. LowCardinality(String) rather than FixedString(2): as compact, and a
    // stray longer code from a user's own database cannot fail a whole batch.
    { name: 'src_country', type: 'LowCardinality(Nullable(String))' },
    { name: 'dst_country', type: 'LowCardinality(Nullable(String))' },
    { name: 'src_city', type: 'LowCardinality(Nullable(String))' },
    { name: 'dst_city', type: 'LowCardinality(Nullable(String))' },
    { name: 'src_lat', type: 'Nullable(Float64)' },
    { name: 'src_lon', type: 'Nullable(Float64)' },
    { name: 'dst_lat', type: 'Nullable(Float64)' },
    { name: 'dst_lon', type: 'Nullable(Float64)' },
    { name: 'src_asn', type: 'Nullable(UInt32)' },
    { name: 'dst_asn', type: 'Nullable(UInt32)' },
    { name: 'src_as_org', type: 'LowCardinality(Nullable(String))' },
    { name: 'dst_as_org', type: 'LowCardinality(Nullable(String))' },
    // Both directions summed once at insert: the default sorts of the flow table read one column
    // instead of two, and their minmax indexes let a top-N page skip most granules.
    { name: 'bytes', type: 'UInt64', materialized: 'bytes_src + bytes_dst' },
    { name: 'packets', type: 'UInt64', materialized: 'packets_src + packets_dst' },
  ],
  engine: 'ReplacingMergeTree(version)',
  // first_seen is part of the flow's identity (flow_id hashes the 5-tuple and the first packet's
  // time), so the replacing key stays one row per flow. No PARTITION BY: captures come from any
  // date (1970 included) and a capture's rows stay together; deleting a capture is a DELETE.
  orderBy: '(capture_id, first_seen, flow_id)',
  sortingKey: 'capture_id, first_seen, flow_id',
  // Smaller granules and compressed blocks than the defaults (8192 rows, 64 KiB): a flows page
  // reads each of its 100 rows' other columns from one block, ~2.5x faster at 1024 rows and 8 KiB
  // (10M flows: 90 ms instead of 230); full scans go ~30% slower, and most aggregates read the
  // rollups instead.
  settings: { non_replicated_deduplication_window: DEDUP_WINDOW, min_compress_block_size: 8192 },
  createSettings: { index_granularity: 1024 },
  // Minmax per granule: a time range (`last_seen >= from`) and a top-N page by a sortable
  // quantity (analytics-repo's threshold) read only the granules that can hold a match.
  indexes: [
    'last_seen',
    'first_seen',
    'duration',
    'bytes',
    'packets',
    'bytes_src',
    'bytes_dst',
    'packets_src',
    'packets_dst',
  ].map((c) => ({ name: `${c}_minmax`, expr: c, type: 'minmax' })),
};

/** Names learned from DNS answers; `ip_version` says whether `ip` prints as IPv4 (A) or IPv6 (AAAA). */
export const DNS_NAMES: TableDef = {
  name: 'dns_names',
  columns: [
    { name: 'capture_id', type: 'String' },
    { name: 'ip', type: 'IPv6' },
    { name: 'name', type: 'String' },
    { name: 'ip_version', type: 'UInt8', default: '6' },
  ],
  engine: 'ReplacingMergeTree',
  orderBy: '(capture_id, ip, name)',
  sortingKey: 'capture_id, ip, name',
  settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
};

/**
 * Rollups for the dashboards (as Akvorado does): one row per (capture, time bucket, app, protocol,
 * countries, ASNs), summed. The views read only `final` rows: an active flow is inserted once per
 * flush (versions 1, 2, ... of the same flow), and summing every version would count it several
 * times; its final row is inserted once. A batch replayed with the same insert_deduplication_token
 * is dropped for the rollups too (deduplicate_blocks_in_dependent_materialized_views, and the
 * rollup tables keep their own dedup window).
 *
 * What remains approximate:
 * - a flow appears in the rollups only once it is final, so while a capture (or a live stream) is
 *   still being read the rollups lag behind `flows` by the flows still active;
 * - a flow is counted in the bucket of its first packet, whatever its duration;
 * - a final flow re-emitted in a different batch (a parser restarted from an earlier offset that
 *   cuts its batches differently, or a replay older than the dedup window) is counted again;
 *   `flows` FINAL stays exact, and a rollup can be rebuilt from it (the migration does so when a
 *   rollup's definition changes).
 */
/**
 * `networks` rollups keep the ASNs of both ends; the `places` rollup keeps their cities instead
 * (with a coordinate per city), for the map.
 */
function rollup(name: string, bucket: string, kind: 'networks' | 'places' = 'networks'): RollupDef {
  const ends = kind === 'networks' ? (['src_asn', 'dst_asn'] as const) : (['src_city', 'dst_city'] as const);
  const dims = ['capture_id', 'bucket', 'app', 'ip_proto', 'src_country', 'dst_country', ...ends];
  const places = ['src_lat', 'src_lon', 'dst_lat', 'dst_lon'];
  return {
    table: {
      name,
      columns: [
        ...ROLLUP_DIMENSIONS,
        ...(kind === 'networks'
          ? [
              { name: 'src_asn', type: 'UInt32' },
              { name: 'dst_asn', type: 'UInt32' },
            ]
          : [
              { name: 'src_city', type: 'LowCardinality(String)' },
              { name: 'dst_city', type: 'LowCardinality(String)' },
            ]),
        { name: 'flows', type: 'UInt64' },
        { name: 'packets', type: 'UInt64' },
        { name: 'bytes', type: 'UInt64' },
        { name: 'bytes_src', type: 'UInt64' },
        { name: 'bytes_dst', type: 'UInt64' },
        // Not summed: a SummingMergeTree keeps one of the values, which is all a city's point needs.
        ...(kind === 'places' ? places.map((c) => ({ name: c, type: 'Nullable(Float64)' })) : []),
      ],
      engine: 'SummingMergeTree((flows, packets, bytes, bytes_src, bytes_dst))',
      orderBy: `(${dims.join(', ')})`,
      sortingKey: dims.join(', '),
      settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
    },
    view: `${name}_mv`,
    bucketSeconds: bucket === 'toStartOfMinute' ? 60 : 3600,
    select: [
      'SELECT',
      '  capture_id,',
      `  toDateTime(${bucket}(first_seen), 'UTC') AS bucket,`,
      '  app,',
      '  ip_proto,',
      "  ifNull(src_country, '') AS src_country,",
      "  ifNull(dst_country, '') AS dst_country,",
      ...(kind === 'networks'
        ? ['  ifNull(src_asn, 0) AS src_asn,', '  ifNull(dst_asn, 0) AS dst_asn,']
        : ["  ifNull(src_city, '') AS src_city,", "  ifNull(dst_city, '') AS dst_city,"]),
      '  toUInt64(count()) AS flows,',
      '  toUInt64(sum(packets_src + packets_dst)) AS packets,',
      // Qualified: the aliases bytes_src/bytes_dst would otherwise shadow the columns.
      '  toUInt64(sum(flows.bytes_src + flows.bytes_dst)) AS bytes,',
      '  toUInt64(sum(flows.bytes_src)) AS bytes_src,',
      `  toUInt64(sum(flows.bytes_dst)) AS bytes_dst${kind === 'places' ? ',' : ''}`,
      ...(kind === 'places' ? places.map((c, i) => `  any(flows.${c}) AS ${c}${i < 3 ? ',' : ''}`) : []),
      'FROM {db}.flows',
      'WHERE final',
      `GROUP BY ${dims.join(', ')}`,
    ].join('\n'),
  };
}

export const FLOWS_1M = rollup('flows_1m', 'toStartOfMinute');

/** The first keys of the hourly rollups' SELECTs, as ROLLUP_DIMENSIONS lists their columns. */
const HOURLY_KEYS = [
  '  capture_id,',
  "  toDateTime(toStartOfHour(flows.first_seen), 'UTC') AS bucket,",
  '  app,',
  '  ip_proto,',
];

/**
 * The smallest rollup: no ASNs and no cities (at 10M flows ~170k rows against flows_1h's 1.8M), so
 * the overview, protocol and country queries read it unless a filter names an ASN. With no
 * column list SummingMergeTree sums every number and merges `first_seen`/`last_seen` by their
 * SimpleAggregateFunction, so the totals' time span comes from here too.
 */
export const TRAFFIC_1H: RollupDef = {
  table: {
    name: 'traffic_1h',
    columns: [
      ...ROLLUP_DIMENSIONS,
      { name: 'flows', type: 'UInt64' },
      { name: 'packets', type: 'UInt64' },
      { name: 'bytes', type: 'UInt64' },
      { name: 'bytes_src', type: 'UInt64' },
      { name: 'bytes_dst', type: 'UInt64' },
      { name: 'first_seen', type: "SimpleAggregateFunction(min, DateTime64(9, 'UTC'))" },
      { name: 'last_seen', type: "SimpleAggregateFunction(max, DateTime64(9, 'UTC'))" },
    ],
    engine: 'SummingMergeTree',
    orderBy: '(capture_id, bucket, app, ip_proto, src_country, dst_country)',
    sortingKey: 'capture_id, bucket, app, ip_proto, src_country, dst_country',
    settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
  },
  view: 'traffic_1h_mv',
  bucketSeconds: 3600,
  select: [
    'SELECT',
    ...HOURLY_KEYS,
    "  ifNull(src_country, '') AS src_country,",
    "  ifNull(dst_country, '') AS dst_country,",
    '  toUInt64(count()) AS flows,',
    '  toUInt64(sum(packets_src + packets_dst)) AS packets,',
    '  toUInt64(sum(flows.bytes_src + flows.bytes_dst)) AS bytes,',
    '  toUInt64(sum(flows.bytes_src)) AS bytes_src,',
    '  toUInt64(sum(flows.bytes_dst)) AS bytes_dst,',
    '  min(flows.first_seen) AS first_seen,',
    '  max(flows.last_seen) AS last_seen',
    'FROM {db}.flows',
    'WHERE final',
    'GROUP BY capture_id, bucket, app, ip_proto, src_country, dst_country',
  ].join('\n'),
};

/**
 * The shape of the traffic: how long flows last and which port ranges they use, by application
 * and protocol (bucket numbers from buckets.ts). No countries: with them the rows would be ~30x
 * more (10M flows: 64k rows without).
 */
export const SHAPES_1H: RollupDef = {
  table: {
    name: 'shapes_1h',
    columns: [
      ...ROLLUP_DIMENSIONS.slice(0, 4),
      { name: 'duration_bucket', type: 'UInt8' },
      { name: 'src_port_range', type: 'Int8' },
      { name: 'dst_port_range', type: 'Int8' },
      { name: 'flows', type: 'UInt64' },
      { name: 'bytes', type: 'UInt64' },
    ],
    engine: 'SummingMergeTree((flows, bytes))',
    orderBy: '(capture_id, bucket, app, ip_proto, duration_bucket, src_port_range, dst_port_range)',
    sortingKey: 'capture_id, bucket, app, ip_proto, duration_bucket, src_port_range, dst_port_range',
    settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
  },
  view: 'shapes_1h_mv',
  bucketSeconds: 3600,
  select: [
    'SELECT',
    ...HOURLY_KEYS,
    `  ${durationBucketSql('flows.duration')} AS duration_bucket,`,
    `  ${portRangeSql('flows.src_port')} AS src_port_range,`,
    `  ${portRangeSql('flows.dst_port')} AS dst_port_range,`,
    '  toUInt64(count()) AS flows,',
    '  toUInt64(sum(flows.bytes_src + flows.bytes_dst)) AS bytes',
    'FROM {db}.flows',
    'WHERE final',
    'GROUP BY capture_id, bucket, app, ip_proto, duration_bucket, src_port_range, dst_port_range',
  ].join('\n'),
};

/**
 * One row per (capture, hour, address), both roles kept apart: top talkers, flows per IP and the
 * number of distinct addresses read ~4x fewer rows than the flows' two ends, already grouped.
 * Each address's country, AS and a server name it answered to ride along (any non-NULL value).
 */
const ROLES = [
  ['src', 1, 'flows.bytes_src', 'flows.bytes_dst'],
  ['dst', 2, 'flows.bytes_dst', 'flows.bytes_src'],
] as const;
/** The address rollups' numbers, each role apart, as SELECT lines over `e` (address, role). */
const ROLE_SUMS = ROLES.flatMap(([r, i, sent, received]) => [
  `  toUInt64(countIf(e.2 = ${i})) AS flows_as_${r}`,
  `  toUInt64(sumIf(packets_src + packets_dst, e.2 = ${i})) AS packets_as_${r}`,
  `  toUInt64(sumIf(${sent}, e.2 = ${i})) AS sent_as_${r}`,
  `  toUInt64(sumIf(${received}, e.2 = ${i})) AS received_as_${r}`,
]);
export const ADDRESSES_1H: RollupDef = {
  table: {
    name: 'addresses_1h',
    columns: [
      { name: 'capture_id', type: 'String' },
      { name: 'bucket', type: "DateTime('UTC')" },
      { name: 'addr', type: 'IPv6' },
      ...ROLES.flatMap(([r]) => [
        { name: `flows_as_${r}`, type: 'UInt64' },
        { name: `packets_as_${r}`, type: 'UInt64' },
        { name: `sent_as_${r}`, type: 'UInt64' },
        { name: `received_as_${r}`, type: 'UInt64' },
      ]),
      { name: 'country', type: 'SimpleAggregateFunction(any, Nullable(String))' },
      { name: 'asn', type: 'SimpleAggregateFunction(any, Nullable(UInt32))' },
      { name: 'as_org', type: 'SimpleAggregateFunction(any, Nullable(String))' },
      { name: 'name', type: 'SimpleAggregateFunction(any, Nullable(String))' },
    ],
    engine: 'SummingMergeTree',
    orderBy: '(capture_id, bucket, addr)',
    sortingKey: 'capture_id, bucket, addr',
    settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
  },
  view: 'addresses_1h_mv',
  bucketSeconds: 3600,
  select: [
    'SELECT',
    ...HOURLY_KEYS.slice(0, 2),
    '  e.1 AS addr,',
    ...ROLE_SUMS.map((line) => `${line},`),
    '  CAST(any(e.3) AS Nullable(String)) AS country,',
    '  any(e.4) AS asn,',
    '  CAST(any(e.5) AS Nullable(String)) AS as_org,',
    '  CAST(anyIf(server_name, e.2 = 2) AS Nullable(String)) AS name',
    'FROM {db}.flows',
    'ARRAY JOIN [(src_ip, 1, src_country, src_asn, src_as_org), (dst_ip, 2, dst_country, dst_asn, dst_as_org)] AS e',
    'WHERE final',
    'GROUP BY capture_id, bucket, addr',
  ].join('\n'),
};
/**
 * The address rollup's numbers by application as well, without the text columns (those come from
 * addresses_1h): what answers talkers and distinct addresses under an application filter, which
 * otherwise read both ends of every flow (measured at 10M flows, 12 h and 3 applications: top
 * talkers ~300 ms, distinct addresses ~190 ms). About 2.7x the rows of addresses_1h, so it is
 * read only when a filter names applications.
 */
export const APP_ADDRESSES_1H: RollupDef = {
  table: {
    name: 'app_addresses_1h',
    columns: [
      { name: 'capture_id', type: 'String' },
      { name: 'bucket', type: "DateTime('UTC')" },
      { name: 'app', type: 'LowCardinality(String)' },
      { name: 'addr', type: 'IPv6' },
      ...ADDRESSES_1H.table.columns.filter((c) => /_as_(src|dst)$/.test(c.name)),
    ],
    engine: 'SummingMergeTree',
    orderBy: '(capture_id, bucket, app, addr)',
    sortingKey: 'capture_id, bucket, app, addr',
    settings: { non_replicated_deduplication_window: DEDUP_WINDOW },
  },
  view: 'app_addresses_1h_mv',
  bucketSeconds: 3600,
  select: [
    'SELECT',
    ...HOURLY_KEYS.slice(0, 3),
    '  e.1 AS addr,',
    ROLE_SUMS.join(',\n'),
    'FROM {db}.flows',
    'ARRAY JOIN [(src_ip, 1), (dst_ip, 2)] AS e',
    'WHERE final',
    'GROUP BY capture_id, bucket, app, addr',
  ].join('\n'),
};
export const FLOWS_1H = rollup('flows_1h', 'toStartOfHour');
export const PLACES_1H = rollup('places_1h', 'toStartOfHour', 'places');

/** Datasets group captures; a row per version, newest wins; `deleted` hides one. */
export const DATASETS: TableDef = {
  name: 'datasets',
  columns: [
    { name: 'dataset_id', type: 'String' },
    { name: 'name', type: 'String' },
    // Flows older than this many days are deleted by the API's retention task; 0 keeps them.
    { name: 'retention_days', type: 'UInt16' },
    { name: 'created_at', type: "DateTime64(3, 'UTC')" },
    { name: 'deleted', type: 'Bool' },
    { name: 'version', type: 'UInt64' },
  ],
  engine: 'ReplacingMergeTree(version)',
  orderBy: 'dataset_id',
  sortingKey: 'dataset_id',
  settings: {},
};

/** API tokens: only a SHA-256 of each secret is kept. */
export const API_TOKENS: TableDef = {
  name: 'api_tokens',
  columns: [
    { name: 'token_id', type: 'String' },
    { name: 'name', type: 'String' },
    { name: 'role', type: 'LowCardinality(String)' },
    { name: 'hash', type: 'String' },
    // Datasets the token may see; empty means all.
    { name: 'dataset_ids', type: 'Array(String)' },
    { name: 'created_at', type: "DateTime64(3, 'UTC')" },
    { name: 'revoked', type: 'Bool' },
    { name: 'version', type: 'UInt64' },
  ],
  engine: 'ReplacingMergeTree(version)',
  orderBy: 'token_id',
  sortingKey: 'token_id',
  settings: {},
};

export const TABLES: readonly TableDef[] = [CAPTURES, FLOWS, DNS_NAMES, DATASETS, API_TOKENS];
export const ROLLUPS: readonly RollupDef[] = [
  FLOWS_1M,
  FLOWS_1H,
  PLACES_1H,
  TRAFFIC_1H,
  SHAPES_1H,
  ADDRESSES_1H,
  APP_ADDRESSES_1H,
];
