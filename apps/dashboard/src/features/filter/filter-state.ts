// The shared filter: its state, how it is kept in the URL query string, and how it becomes the
// API's FlowFilter. Pure functions (no React, no browser), unit-tested in filter-state.test.ts.
import type { FlowFilter } from '../../gql/graphql';

/** A numeric range as typed by a person: "443", "1000-2000", "1000-", "-500". */
export interface NumRange {
  min?: number;
  max?: number;
}

export interface FilterState {
  datasets: string[];
  captures: string[];
  /** ISO-8601 (UTC) or empty. */
  from?: string;
  to?: string;
  /** An address or CIDR on either end / on the source / on the destination. */
  ip?: string;
  srcIp?: string;
  dstIp?: string;
  port?: NumRange;
  srcPort?: NumRange;
  dstPort?: NumRange;
  protos: number[];
  apps: string[];
  countries: string[];
  asns: number[];
  name?: string;
  bytes?: NumRange;
  packets?: NumRange;
  duration?: NumRange;
  states: string[];
}

export const EMPTY_FILTER: FilterState = {
  datasets: [],
  captures: [],
  protos: [],
  apps: [],
  countries: [],
  asns: [],
  states: [],
};

/** Query-string keys of the filter (every other key, like `tab`, is left alone). */
export const FILTER_KEYS = [
  'ds',
  'cap',
  'from',
  'to',
  'ip',
  'src',
  'dst',
  'port',
  'sport',
  'dport',
  'proto',
  'app',
  'cc',
  'asn',
  'name',
  'bytes',
  'pkts',
  'dur',
  'state',
] as const;

const list = (v: string | null): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];

const intList = (v: string | null): number[] =>
  list(v)
    .map((s) => Number(s))
    .filter((n) => Number.isInteger(n) && n >= 0);

const text = (v: string | null): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};

const finite = (s: string): number | undefined => {
  if (s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** "443" → {min: 443, max: 443}; "1-2" → {1, 2}; "5-" → {min: 5}; "-5" → {max: 5}; junk → undefined. */
export function parseRange(v: string | null | undefined): NumRange | undefined {
  const t = v?.trim().replace('..', '-');
  if (!t) return undefined;
  const dash = t.indexOf('-');
  if (dash < 0) {
    const n = finite(t);
    return n === undefined || n < 0 ? undefined : { min: n, max: n };
  }
  const a = t.slice(0, dash);
  const b = t.slice(dash + 1);
  const min = finite(a);
  const max = finite(b);
  if ((a.trim() && min === undefined) || (b.trim() && max === undefined)) return undefined;
  if (min === undefined && max === undefined) return undefined;
  const r: NumRange = {};
  if (min !== undefined) r.min = min;
  if (max !== undefined) r.max = max;
  return r;
}

export function formatRange(r: NumRange | undefined): string {
  if (!r || (r.min === undefined && r.max === undefined)) return '';
  if (r.min !== undefined && r.min === r.max) return String(r.min);
  return `${r.min ?? ''}-${r.max ?? ''}`;
}

/** Reads the filter from a query string. Unknown or malformed values are dropped, never thrown. */
export function parseFilter(params: URLSearchParams): FilterState {
  const f: FilterState = {
    datasets: list(params.get('ds')),
    captures: list(params.get('cap')),
    protos: intList(params.get('proto')),
    apps: list(params.get('app')).map((a) => a.toLowerCase()),
    countries: list(params.get('cc')).map((c) => c.toUpperCase()),
    asns: intList(params.get('asn')),
    states: list(params.get('state')).map((s) => s.toUpperCase()),
  };
  const from = text(params.get('from'));
  const to = text(params.get('to'));
  if (from) f.from = from;
  if (to) f.to = to;
  const ip = text(params.get('ip'));
  const src = text(params.get('src'));
  const dst = text(params.get('dst'));
  if (ip) f.ip = ip;
  if (src) f.srcIp = src;
  if (dst) f.dstIp = dst;
  const ranges: [keyof FilterState, string][] = [
    ['port', 'port'],
    ['srcPort', 'sport'],
    ['dstPort', 'dport'],
    ['bytes', 'bytes'],
    ['packets', 'pkts'],
    ['duration', 'dur'],
  ];
  for (const [field, key] of ranges) {
    const r = parseRange(params.get(key));
    if (r) (f as unknown as Record<string, NumRange>)[field] = r;
  }
  const name = text(params.get('name'));
  if (name) f.name = name;
  return f;
}

/** Writes the filter into a copy of `base` (keeping its other keys); empty fields are removed. */
export function writeFilter(f: FilterState, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(base);
  for (const k of FILTER_KEYS) out.delete(k);
  const set = (k: string, v: string | undefined) => {
    if (v) out.set(k, v);
  };
  set('ds', f.datasets.join(','));
  set('cap', f.captures.join(','));
  set('from', f.from);
  set('to', f.to);
  set('ip', f.ip);
  set('src', f.srcIp);
  set('dst', f.dstIp);
  set('port', formatRange(f.port));
  set('sport', formatRange(f.srcPort));
  set('dport', formatRange(f.dstPort));
  set('proto', f.protos.join(','));
  set('app', f.apps.join(','));
  set('cc', f.countries.join(','));
  set('asn', f.asns.join(','));
  set('name', f.name);
  set('bytes', formatRange(f.bytes));
  set('pkts', formatRange(f.packets));
  set('dur', formatRange(f.duration));
  set('state', f.states.join(','));
  return out;
}

const intRange = (r: NumRange | undefined) =>
  r
    ? {
        ...(r.min !== undefined ? { min: Math.trunc(r.min) } : {}),
        ...(r.max !== undefined ? { max: Math.trunc(r.max) } : {}),
      }
    : undefined;

const floatRange = (r: NumRange | undefined) =>
  r
    ? { ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}) }
    : undefined;

/** The API's FlowFilter for this state, or undefined when nothing is filtered. */
export function toFlowFilter(f: FilterState): FlowFilter | undefined {
  const out: FlowFilter = {};
  if (f.datasets.length) out.datasetIds = f.datasets;
  if (f.captures.length) out.captureIds = f.captures;
  if (f.from) out.from = f.from;
  if (f.to) out.to = f.to;
  if (f.ip) out.ip = f.ip;
  if (f.srcIp) out.srcIp = f.srcIp;
  if (f.dstIp) out.dstIp = f.dstIp;
  if (f.port) out.port = intRange(f.port);
  if (f.srcPort) out.srcPort = intRange(f.srcPort);
  if (f.dstPort) out.dstPort = intRange(f.dstPort);
  if (f.protos.length) out.ipProtos = f.protos;
  if (f.apps.length) out.apps = f.apps;
  if (f.countries.length) out.countries = f.countries;
  if (f.asns.length) out.asns = f.asns;
  if (f.name) out.serverName = f.name;
  if (f.bytes) out.bytes = intRange(f.bytes);
  if (f.packets) out.packets = intRange(f.packets);
  if (f.duration) out.duration = floatRange(f.duration);
  if (f.states.length) out.tcpStates = f.states;
  return Object.keys(out).length ? out : undefined;
}

/** How many fields of the filter are set (for the filter bar's badge). */
export function activeCount(f: FilterState): number {
  const flow = toFlowFilter(f);
  return flow ? Object.keys(flow).length : 0;
}

/** Adds a value to a list field if missing, or removes it if present. */
export function toggleIn<T>(values: readonly T[], v: T): T[] {
  return values.includes(v) ? values.filter((x) => x !== v) : [...values, v];
}

/** IP protocol numbers people type by name. */
export const PROTOCOL_NUMBERS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  sctp: 132,
};

export function protocolName(n: number): string {
  for (const [name, num] of Object.entries(PROTOCOL_NUMBERS)) if (num === n) return name;
  return String(n);
}
