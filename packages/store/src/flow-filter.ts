import { isIPv4, isIPv6 } from 'node:net';
import { StoreError } from './errors.ts';

/** An inclusive range; a missing end is open. */
export interface Range {
  min?: number | null;
  max?: number | null;
}

/**
 * Which flows a query covers. Every field narrows (AND); `and`/`or` hold nested groups; a list
 * matches any of its values. The API's GraphQL `FlowFilter` has the same shape and names.
 */
export interface FlowFilter {
  datasetIds?: string[] | null;
  captureIds?: string[] | null;
  /** Flows active at or after this time (ISO-8601). */
  from?: string | null;
  /** Flows that started before this time (ISO-8601). */
  to?: string | null;
  /** An address or CIDR on either end. */
  ip?: string | null;
  srcIp?: string | null;
  dstIp?: string | null;
  port?: Range | null;
  srcPort?: Range | null;
  dstPort?: Range | null;
  ipProtos?: number[] | null;
  apps?: string[] | null;
  countries?: string[] | null;
  srcCountries?: string[] | null;
  dstCountries?: string[] | null;
  asns?: number[] | null;
  /** Case-insensitive substring of the server name. */
  serverName?: string | null;
  bytes?: Range | null;
  bytesSrc?: Range | null;
  bytesDst?: Range | null;
  packets?: Range | null;
  packetsSrc?: Range | null;
  packetsDst?: Range | null;
  /** Seconds. */
  duration?: Range | null;
  tcpStates?: string[] | null;
  and?: FlowFilter[] | null;
  or?: FlowFilter[] | null;
}

/** SQL text with its `{name:Type}` parameters. */
export interface Sql {
  text: string;
  params: Record<string, unknown>;
}

const MAX_LIST = 1000;
const MAX_TEXT = 256;
const MAX_DEPTH = 4;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function bad(path: string, message: string): never {
  throw new StoreError('INVALID_ARGUMENT', `filter.${path}: ${message}`);
}

/** An address range of an IP or CIDR, as IPv6 text (IPv4 v4-mapped, as the flows store it). */
export function cidrRange(text: string, path = 'ip'): { lo: string; hi: string; v6Only: boolean } {
  if (typeof text !== 'string' || text.length > 64) bad(path, 'expected an IP address or CIDR');
  const [addr = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) bad(path, `'${text}' is not an IP address or CIDR`);
  if (addr.includes('%'))
    bad(path, `'${text}': zone ids (%eth0) are not part of stored addresses; leave it out`);
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr))
    bad(path, `'${text}' is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)`);
  const bits = v4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      bad(path, `'${text}': the prefix length must be 0..${bits}`);
    }
    prefix = Number(prefixText);
  }
  let value = v4 ? ipv4Bits(addr) : ipv6Bits(addr);
  let total = BigInt(bits);
  if (v4) {
    value |= 0xffffn << 32n;
    prefix += 96;
    total = 128n;
  }
  const hostBits = total - BigInt(prefix);
  const mask = (1n << hostBits) - 1n;
  const lo = value & ~mask;
  const hi = value | mask;
  // An IPv6 range means IPv6 flows, unless it lies within ::ffff:0:0/96 (IPv4 written as IPv6):
  // ::/0 must not match every IPv4 flow through their v4-mapped storage.
  const mapped = lo >= 0xffffn << 32n && hi <= 0xffffffffffffn;
  return { lo: bitsToIpv6(lo), hi: bitsToIpv6(hi), v6Only: !v4 && !mapped };
}

function ipv4Bits(a: string): bigint {
  return a.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(a: string): bigint {
  let text = a;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const quad = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (quad) {
    const v = ipv4Bits(quad[1]!);
    text = `${text.slice(0, -quad[1]!.length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

function bitsToIpv6(v: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':');
}

/** Builds SQL over the `flows` columns, every value a server-side parameter. */
class FilterCompiler {
  readonly params: Record<string, unknown> = {};
  #n = 0;

  constructor(
    private readonly capturesTable: string,
    private readonly prefix: string,
  ) {}

  param(type: string, value: unknown): string {
    const name = `${this.prefix}${this.#n++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  compile(f: FlowFilter | null | undefined, path: string, depth: number): string[] {
    if (f === null || f === undefined) return [];
    if (typeof f !== 'object' || Array.isArray(f)) bad(path, 'expected an object');
    if (depth > MAX_DEPTH) bad(path, `and/or groups nest at most ${MAX_DEPTH} deep`);
    const p = (name: string) => (path ? `${path}.${name}` : name);
    const out: string[] = [];
    const strings = (name: keyof FlowFilter, max = MAX_TEXT): string[] | undefined => {
      const v = f[name] as unknown;
      if (v === null || v === undefined) return undefined;
      if (!Array.isArray(v)) bad(p(name), 'expected a list');
      if (v.length > MAX_LIST) bad(p(name), `at most ${MAX_LIST} values`);
      for (const s of v) {
        if (typeof s !== 'string' || s.length > max)
          bad(p(name), `expected strings of at most ${max} characters`);
      }
      return v as string[];
    };
    const ints = (name: keyof FlowFilter, maxValue: number): number[] | undefined => {
      const v = f[name] as unknown;
      if (v === null || v === undefined) return undefined;
      if (!Array.isArray(v)) bad(p(name), 'expected a list');
      if (v.length > MAX_LIST) bad(p(name), `at most ${MAX_LIST} values`);
      for (const n of v) {
        if (!Number.isInteger(n) || n < 0 || n > maxValue) bad(p(name), `expected integers 0..${maxValue}`);
      }
      return v as number[];
    };

    const datasets = strings('datasetIds');
    if (datasets) {
      out.push(
        `capture_id IN (SELECT capture_id FROM ${this.capturesTable} FINAL WHERE dataset_id IN ${this.param('Array(String)', datasets)})`,
      );
    }
    const captures = strings('captureIds');
    if (captures) out.push(`capture_id IN ${this.param('Array(String)', captures)}`);
    if (f.from !== null && f.from !== undefined) {
      out.push(`last_seen >= ${this.time(f.from, p('from'))}`);
    }
    if (f.to !== null && f.to !== undefined) out.push(`first_seen < ${this.time(f.to, p('to'))}`);
    for (const [name, cols] of [
      ['ip', ['src_ip', 'dst_ip']],
      ['srcIp', ['src_ip']],
      ['dstIp', ['dst_ip']],
    ] as const) {
      const v = f[name];
      if (v === null || v === undefined) continue;
      const { lo, hi, v6Only } = cidrRange(v, p(name));
      const a = this.param('IPv6', lo);
      const b = this.param('IPv6', hi);
      const inRange = any(cols.map((c) => `${c} BETWEEN ${a} AND ${b}`));
      out.push(v6Only ? `(ip_version = 6 AND ${inRange})` : inRange);
    }
    for (const [name, cols] of [
      ['port', ['src_port', 'dst_port']],
      ['srcPort', ['src_port']],
      ['dstPort', ['dst_port']],
    ] as const) {
      const clause = this.range(f[name], p(name), 65535, 'UInt16');
      if (clause) out.push(any(cols.map((c) => clause(c))));
    }
    const protos = ints('ipProtos', 255);
    if (protos) out.push(`ip_proto IN ${this.param('Array(UInt8)', protos)}`);
    const apps = strings('apps', 64);
    if (apps) out.push(`app IN ${this.param('Array(String)', apps)}`);
    for (const [name, cols] of [
      ['countries', ['src_country', 'dst_country']],
      ['srcCountries', ['src_country']],
      ['dstCountries', ['dst_country']],
    ] as const) {
      const list = strings(name, 8);
      if (!list) continue;
      const codes = this.param(
        'Array(String)',
        list.map((c) => c.toUpperCase()),
      );
      out.push(any(cols.map((c) => `${c} IN ${codes}`)));
    }
    const asns = ints('asns', 4294967295);
    if (asns) {
      const list = this.param('Array(UInt32)', asns);
      out.push(`(src_asn IN ${list} OR dst_asn IN ${list})`);
    }
    if (f.serverName !== null && f.serverName !== undefined) {
      if (typeof f.serverName !== 'string' || f.serverName.length > MAX_TEXT) {
        bad(p('serverName'), `expected text of at most ${MAX_TEXT} characters`);
      }
      out.push(
        `positionCaseInsensitiveUTF8(ifNull(server_name, ''), ${this.param('String', f.serverName)}) > 0`,
      );
    }
    for (const [name, expr] of [
      ['bytes', '(bytes_src + bytes_dst)'],
      ['bytesSrc', 'bytes_src'],
      ['bytesDst', 'bytes_dst'],
      ['packets', '(packets_src + packets_dst)'],
      ['packetsSrc', 'packets_src'],
      ['packetsDst', 'packets_dst'],
    ] as const) {
      const clause = this.range(f[name], p(name), MAX_SAFE, 'UInt64');
      if (clause) out.push(clause(expr));
    }
    const duration = this.range(f.duration, p('duration'), 1e12, 'Float64', false);
    if (duration) out.push(duration('duration'));
    const states = strings('tcpStates', 16);
    if (states) out.push(`tcp_state IN ${this.param('Array(String)', states)}`);

    const groups = (name: 'and' | 'or'): string[][] | undefined => {
      const v = f[name] as unknown;
      if (v === null || v === undefined) return undefined;
      if (!Array.isArray(v)) bad(p(name), 'expected a list of filters');
      if (v.length > 64) bad(p(name), 'at most 64 groups');
      return v.map((g, i) => this.compile(g as FlowFilter, p(`${name}[${i}]`), depth + 1));
    };
    for (const g of groups('and') ?? []) out.push(...g);
    const or = groups('or');
    if (or && or.length > 0) out.push(any(or.map(all)));
    return out;
  }

  private time(v: unknown, path: string): string {
    if (
      typeof v !== 'string' ||
      v.length > 40 ||
      !/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)
    ) {
      bad(path, 'expected an ISO-8601 time, e.g. 2026-11-28T10:00:00Z');
    }
    if (Number.isNaN(Date.parse(v))) bad(path, `'${v}' is not a valid time`);
    return `parseDateTime64BestEffort(${this.param('String', v)}, 9, 'UTC')`;
  }

  private range(
    r: Range | null | undefined,
    path: string,
    maxValue: number,
    type: string,
    integer = true,
  ): ((expr: string) => string) | undefined {
    if (r === null || r === undefined) return undefined;
    if (typeof r !== 'object') bad(path, 'expected { min, max }');
    const check = (v: unknown, end: string): number | undefined => {
      if (v === null || v === undefined) return undefined;
      const ok = typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v));
      if (!ok || (v as number) < 0 || (v as number) > maxValue) {
        bad(`${path}.${end}`, `expected ${integer ? 'an integer' : 'a number'} 0..${maxValue}`);
      }
      return v as number;
    };
    const min = check(r.min, 'min');
    const max = check(r.max, 'max');
    if (min !== undefined && max !== undefined && min > max) bad(path, `min (${min}) is above max (${max})`);
    if (min === undefined && max === undefined) return undefined;
    const lo = min === undefined ? undefined : this.param(type, min);
    const hi = max === undefined ? undefined : this.param(type, max);
    return (expr) => all([...(lo ? [`${expr} >= ${lo}`] : []), ...(hi ? [`${expr} <= ${hi}`] : [])]);
  }
}

function all(clauses: string[]): string {
  if (clauses.length === 0) return '1';
  return clauses.length === 1 ? clauses[0]! : `(${clauses.join(' AND ')})`;
}

function any(clauses: string[]): string {
  if (clauses.length === 0) return '0';
  return clauses.length === 1 ? clauses[0]! : `(${clauses.join(' OR ')})`;
}

/**
 * The filter as one SQL condition over `flows` columns, with its parameters (named `f0`, `f1`... or after `prefix`).
 * Invalid values fail with INVALID_ARGUMENT naming the field and what is expected.
 */
export function compileFilter(
  filter: FlowFilter | null | undefined,
  capturesTable: string,
  prefix = 'f',
): Sql {
  const c = new FilterCompiler(capturesTable, prefix);
  return { text: all(c.compile(filter, '', 0)), params: c.params };
}
