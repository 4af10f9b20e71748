// Server-side fetch safety. A URL submitted by a user makes this service open a connection, so
// it must not reach what only the service can reach: loopback, private and link-local networks,
// cloud metadata endpoints. The host is resolved here, every address it resolves to is checked,
// and the connection goes to the address that was checked (the HTTP agent's `lookup` returns it,
// so a second DNS answer cannot swap in another one). Redirects are followed by hand and each hop
// is checked again. An allow-list (CAPSTREAM_FETCH_ALLOW, or configuration) opens exceptions.

import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { displayUrl, SourceError } from './source.ts';

export const DEFAULT_MAX_BYTES = 20 * 1024 ** 3;
export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_REDIRECTS = 5;
export const FETCH_ALLOW_ENV = 'CAPSTREAM_FETCH_ALLOW';

// ---------------------------------------------------------------------------------------------
// Addresses

/** An IP address as 4 or 16 bytes. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export function parseIp(text: string): IpAddress | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const kind = isIP(t);
  if (kind === 4) return { family: 4, bytes: Uint8Array.from(t.split('.').map(Number)) };
  if (kind !== 6) return null;
  const bytes = new Uint8Array(16);
  let groups: number[] = [];
  let tail: number[] = [];
  const parseGroups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = g.split('.').map(Number);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const dbl = t.indexOf('::');
  if (dbl >= 0) {
    groups = parseGroups(t.slice(0, dbl));
    tail = parseGroups(t.slice(dbl + 2));
  } else {
    groups = parseGroups(t);
  }
  const all = [...groups, ...new Array(8 - groups.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = all[i] >> 8;
    bytes[i * 2 + 1] = all[i] & 0xff;
  }
  return { family: 6, bytes };
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));
  // Compress the longest run of zero groups, as URL and inet_ntop do.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.lastIndexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (slash >= 0 && text.slice(slash + 1) === '')
  ) {
    return null;
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

function inCidr(ip: IpAddress, c: Cidr): boolean {
  if (ip.family !== c.family) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(ip: IpAddress): IpAddress | null {
  if (ip.family !== 6) return null;
  const b = ip.bytes;
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
  if (
    zeros(0, 10) &&
    ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0 && !zeros(12, 16)))
  ) {
    return { family: 4, bytes: b.slice(12, 16) };
  }
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix).
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) {
    return { family: 4, bytes: b.slice(12, 16) };
  }
  // 2002:AABB:CCDD::/48 (6to4).
  if (b[0] === 0x20 && b[1] === 0x02) return { family: 4, bytes: b.slice(2, 6) };
  return null;
}

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

const V4_CLASSES: [string, AddressClass][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // TEST-NET-1
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // TEST-NET-2
  ['203.0.113.0/24', 'reserved'], // TEST-NET-3
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];
const V6_CLASSES: [string, AddressClass][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/8', 'reserved'], // what is left of it once mapped/compatible forms are judged by their IPv4
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64
  ['100::/64', 'reserved'], // discard-only
  ['2001::/23', 'reserved'], // IETF protocol assignments (Teredo, ORCHID, benchmarking...)
  ['2001:db8::/32', 'reserved'], // documentation
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'link-local'], // deprecated site-local
  ['ff00::/8', 'multicast'],
];
const classTable = [...V4_CLASSES, ...V6_CLASSES].map(([c, k]) => [parseCidr(c)!, k] as const);

/** Where an address sits; only 'public' addresses may be fetched from without an allow-list entry. */
export function classifyAddress(ip: IpAddress | string): AddressClass {
  const a = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!a) return 'reserved';
  if (a.family === 6 && a.bytes.subarray(0, 15).every((x) => x === 0) && a.bytes[15] <= 1) {
    return a.bytes[15] === 0 ? 'unspecified' : 'loopback';
  }
  const v4 = embeddedIPv4(a);
  if (v4) {
    const inner = classifyAddress(v4);
    // A 6to4 or NAT64 wrapper around a public address is a public address; anything else keeps
    // the IPv4 address's class.
    if (inner !== 'public') return inner;
  }
  for (const [cidr, kind] of classTable) {
    if (cidr.prefix === 8 && cidr.family === 6 && kind === 'reserved' && v4) continue; // ::ffff:public
    if (inCidr(a, cidr)) return kind;
  }
  return 'public';
}

// ---------------------------------------------------------------------------------------------
// Allow-list

type AllowEntry =
  | { kind: 'cidr'; cidr: Cidr; port: number | null; text: string }
  | { kind: 'host'; host: string; wildcard: boolean; port: number | null; text: string };

/**
 * Exceptions to the address rules. Entries (comma- or space-separated):
 * - `10.1.2.3`, `[::1]`, `::1`: that address, whatever name leads to it;
 * - `10.0.0.0/8`, `fd00::/8`: a network;
 * - `storage.internal`, `*.corp.example`: that host name (or any name under it), whatever it
 *   resolves to;
 * - any of the above with a port (`127.0.0.1:8080`, `[::1]:10000`, `azurite:10000`): that port only.
 * An entry permits exactly what it names: allowing `127.0.0.1` does not allow `[::1]` or
 * `169.254.169.254`, so a redirect from an allowed host to those is still refused.
 */
export class AllowList {
  readonly entries: readonly AllowEntry[];

  constructor(entries: readonly AllowEntry[] = []) {
    this.entries = entries;
  }

  static parse(spec: string | readonly string[] | undefined | null): AllowList {
    const parts = (Array.isArray(spec) ? spec : [spec ?? ''])
      .flatMap((s) => String(s).split(/[\s,]+/))
      .map((s) => s.trim())
      .filter(Boolean);
    return new AllowList(parts.map(parseAllowEntry));
  }

  merge(other: AllowList): AllowList {
    return new AllowList([...this.entries, ...other.entries]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether the host name itself (not an IP literal) is allowed on this port. */
  allowsHost(hostname: string, port: number): boolean {
    const h = normalizeHost(hostname);
    return this.entries.some(
      (e) =>
        e.kind === 'host' &&
        (e.port === null || e.port === port) &&
        (e.wildcard ? h.endsWith(`.${e.host}`) : h === e.host),
    );
  }

  /** Whether this address is allowed on this port. */
  allowsAddress(ip: IpAddress, port: number): boolean {
    const v4 = embeddedIPv4(ip);
    return this.entries.some(
      (e) =>
        e.kind === 'cidr' &&
        (e.port === null || e.port === port) &&
        (inCidr(ip, e.cidr) || (v4 !== null && inCidr(v4, e.cidr))),
    );
  }

  toString(): string {
    return this.entries.map((e) => e.text).join(',');
  }
}

function normalizeHost(h: string): string {
  let out = h.toLowerCase();
  if (out.startsWith('[') && out.endsWith(']')) out = out.slice(1, -1);
  while (out.endsWith('.')) out = out.slice(0, -1);
  return out;
}

function parseAllowEntry(text: string): AllowEntry {
  const bad = () =>
    new SourceError(
      'BAD_URL',
      `the fetch allow-list entry "${text}" is not a host name, an IP address or a CIDR (with an optional :port)`,
    );
  let body = text;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(text);
  if (bracket) {
    body = bracket[1] + (bracket[3] ?? '');
    if (bracket[2]) port = Number(bracket[2]);
  } else if (!text.includes('/') && (text.match(/:/g) ?? []).length === 1) {
    const [h, p] = text.split(':');
    if (!/^\d+$/.test(p)) throw bad();
    body = h;
    port = Number(p);
  }
  if (port !== null && (port < 1 || port > 65535)) throw bad();
  const cidr = parseCidr(body);
  if (cidr) return { kind: 'cidr', cidr, port, text };
  if (body.includes('/')) throw bad();
  const wildcard = body.startsWith('*.');
  const host = normalizeHost(wildcard ? body.slice(2) : body);
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(host)) throw bad();
  return { kind: 'host', host, wildcard, port, text };
}

// ---------------------------------------------------------------------------------------------
// Policy

export interface FetchPolicyOptions {
  /** Allow-list entries (see AllowList), added to those of CAPSTREAM_FETCH_ALLOW. */
  allow?: string | readonly string[];
  /** Size cap in bytes (default 20 GiB). */
  maxBytes?: number;
  /** Time cap for the whole transfer in ms, retries included (default 1 h). */
  timeoutMs?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** No byte for this long breaks the connection (then it is retried or resumed). Default 60 s. */
  idleTimeoutMs?: number;
  /** Read CAPSTREAM_FETCH_ALLOW from this environment (default process.env; `null`: do not). */
  env?: Record<string, string | undefined> | null;
}

export interface FetchPolicy {
  allow: AllowList;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  idleTimeoutMs: number;
}

export function isFetchPolicy(x: unknown): x is FetchPolicy {
  return typeof x === 'object' && x !== null && (x as FetchPolicy).allow instanceof AllowList;
}

/** The policy in force: options over defaults, plus the CAPSTREAM_FETCH_ALLOW entries. */
export function fetchPolicy(opts: FetchPolicyOptions | FetchPolicy = {}): FetchPolicy {
  if (isFetchPolicy(opts)) return opts;
  const env = opts.env === undefined ? process.env : opts.env;
  const fromEnv = AllowList.parse(env?.[FETCH_ALLOW_ENV]);
  const positive = (v: number | undefined, d: number, what: string) => {
    if (v === undefined) return d;
    if (!(v > 0)) throw new SourceError('BAD_URL', `the fetch ${what} must be a positive number (got ${v})`);
    return v;
  };
  return {
    allow: AllowList.parse(opts.allow).merge(fromEnv),
    maxBytes: positive(opts.maxBytes, DEFAULT_MAX_BYTES, 'size cap'),
    timeoutMs: positive(opts.timeoutMs, DEFAULT_TIMEOUT_MS, 'time cap'),
    maxRedirects: opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    idleTimeoutMs: positive(opts.idleTimeoutMs, 60_000, 'idle timeout'),
  };
}

// ---------------------------------------------------------------------------------------------
// Vetting a URL

/** Names that lead to cloud metadata services whatever DNS says. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

export interface VettedTarget {
  url: URL;
  /** The host name as in the URL (brackets removed for IPv6). */
  hostname: string;
  port: number;
  /** Addresses checked and allowed; connections go to these only, first one first. */
  addresses: { address: string; family: 4 | 6 }[];
}

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function forbidden(url: URL, why: string): SourceError {
  return new SourceError(
    'FORBIDDEN_ADDRESS',
    `refusing to fetch ${displayUrl(url)}: ${why}. Captures are fetched from public addresses only; ` +
      `an operator can allow an internal host with ${FETCH_ALLOW_ENV} (host names, addresses or CIDRs)`,
  );
}

/**
 * Checks a URL before any connection: scheme, host name, every address it resolves to. Returns
 * the addresses to connect to, or throws FORBIDDEN_ADDRESS / BAD_URL / NETWORK.
 */
export async function vetUrl(
  input: string | URL,
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<VettedTarget> {
  let url: URL;
  try {
    url = new URL(input.toString());
  } catch {
    throw new SourceError('BAD_URL', `not a valid URL: ${displayUrl(input.toString())}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceError('BAD_URL', `only http and https URLs can be fetched (got ${url.protocol})`);
  }
  const hostname = normalizeHost(url.hostname);
  if (!hostname) throw new SourceError('BAD_URL', `the URL has no host: ${displayUrl(url)}`);
  const port = defaultPort(url);
  const literal = parseIp(hostname);
  const hostAllowed = !literal && policy.allow.allowsHost(hostname, port);

  if (!literal && !hostAllowed) {
    if (METADATA_NAMES.has(hostname)) throw forbidden(url, `${hostname} is a cloud metadata service`);
  }

  let resolved: { address: string; family: number }[];
  if (literal) {
    resolved = [{ address: formatIp(literal), family: literal.family }];
  } else {
    signal?.throwIfAborted();
    try {
      resolved = await dnsLookup(hostname, { all: true, verbatim: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new SourceError(
        'NETWORK',
        `could not resolve the host ${hostname} (${code}); check the URL, or try again if DNS is having trouble`,
        { retryable: code === 'EAI_AGAIN', cause: err },
      );
    }
    if (resolved.length === 0) {
      throw new SourceError('NETWORK', `the host ${hostname} resolved to no address`);
    }
  }

  const addresses: VettedTarget['addresses'] = [];
  for (const r of resolved) {
    const ip = parseIp(r.address);
    if (!ip) throw forbidden(url, `${hostname} resolved to an unreadable address`);
    const klass = classifyAddress(ip);
    const ok = hostAllowed || klass === 'public' || policy.allow.allowsAddress(ip, port);
    if (!ok) {
      const where = literal ? `${formatIp(ip)} is` : `${hostname} resolves to ${formatIp(ip)}, which is`;
      throw forbidden(url, `${where} ${describeClass(klass, ip)}`);
    }
    addresses.push({ address: formatIp(ip), family: ip.family });
  }
  return { url, hostname, port, addresses };
}

function describeClass(k: AddressClass, ip: IpAddress): string {
  const s = formatIp(ip);
  if (k === 'link-local' && (s === '169.254.169.254' || s === 'fd00:ec2::254')) {
    return 'a link-local address (the cloud metadata service)';
  }
  switch (k) {
    case 'loopback':
      return 'a loopback address (this machine)';
    case 'private':
      return 'a private network address (RFC 1918)';
    case 'shared':
      return 'a shared (carrier-grade NAT) address';
    case 'link-local':
      return 'a link-local address';
    case 'unique-local':
      return 'a unique-local IPv6 address (fc00::/7)';
    case 'unspecified':
      return 'the unspecified address';
    case 'multicast':
      return 'a multicast address';
    case 'broadcast':
      return 'the broadcast address';
    default:
      return 'a reserved address';
  }
}

/**
 * A `lookup` for sockets and agents that answers with the vetted addresses only: a connection made
 * with it goes where the check said, and a name other than the vetted one is refused.
 */
export function pinnedLookup(target: Pick<VettedTarget, 'hostname' | 'addresses'>): LookupFunction {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (normalizeHost(hostname) !== target.hostname) {
      const err: NodeJS.ErrnoException = new Error(`refusing to connect to unvetted host ${hostname}`);
      err.code = 'EFORBIDDEN';
      process.nextTick(cb, err, '', 0);
      return;
    }
    if (opts.all) process.nextTick(cb, null, target.addresses);
    else process.nextTick(cb, null, target.addresses[0].address, target.addresses[0].family);
  }) as LookupFunction;
}

// ---------------------------------------------------------------------------------------------
// A guarded GET with manual redirects

export interface GuardedRequestOptions {
  policy: FetchPolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called with each URL before it is requested (after vetting), for tests and logs. */
  onHop?: (url: URL) => void;
}

export interface GuardedResponse {
  res: http.IncomingMessage;
  req: http.ClientRequest;
  /** The URL that answered (after redirects). */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET a URL, checking each hop with vetUrl and connecting to the checked address only. Follows
 * at most policy.maxRedirects redirects; refuses a redirect from https to http. Resolves with the
 * first non-redirect response (whatever its status); the caller reads or destroys it.
 */
export async function guardedGet(input: string | URL, opts: GuardedRequestOptions): Promise<GuardedResponse> {
  const { policy, signal } = opts;
  const origin = new URL(input.toString());
  let current = origin;
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    signal?.throwIfAborted();
    const target = await vetUrl(current, policy, signal);
    opts.onHop?.(target.url);
    const headers: Record<string, string> = { ...opts.headers };
    // Credentials in the URL go to its own origin only.
    if ((origin.username || origin.password) && current.origin === origin.origin) {
      const user = decodeURIComponent(origin.username);
      const pass = decodeURIComponent(origin.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    const { req, res } = await request(target, headers, policy, signal);
    const status = res.statusCode ?? 0;
    if (!REDIRECTS.has(status) || !res.headers.location) return { req, res, url: target.url };
    res.resume();
    res.destroy();
    if (hop >= policy.maxRedirects) {
      throw new SourceError(
        'TOO_MANY_REDIRECTS',
        `${displayUrl(origin)} redirected more than ${policy.maxRedirects} times; give the final URL instead`,
      );
    }
    let next: URL;
    try {
      next = new URL(res.headers.location, current);
    } catch {
      throw new SourceError('BAD_URL', `${displayUrl(current)} redirected to an invalid location`);
    }
    next.hash = '';
    if (current.protocol === 'https:' && next.protocol === 'http:') {
      throw new SourceError(
        'BAD_URL',
        `${displayUrl(current)} redirected from https to plain http (${displayUrl(next)}); refusing to downgrade`,
      );
    }
    seen.add(current.href);
    if (seen.has(next.href)) {
      throw new SourceError('TOO_MANY_REDIRECTS', `${displayUrl(origin)} redirects in a loop`);
    }
    current = next;
  }
}

function request(
  target: VettedTarget,
  headers: Record<string, string>,
  policy: FetchPolicy,
  signal: AbortSignal | undefined,
): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const mod = target.url.protocol === 'https:' ? https : http;
    // Credentials in the URL are sent (by guardedGet) to their own origin only, never by node itself.
    const url = new URL(target.url);
    url.username = '';
    url.password = '';
    const req = mod.request(url, {
      method: 'GET',
      headers: {
        'user-agent': 'capstream-ingest',
        accept: '*/*',
        'accept-encoding': 'identity',
        ...headers,
      },
      agent: false,
      lookup: pinnedLookup(target),
      signal,
    });
    req.setTimeout(policy.idleTimeoutMs, () => {
      req.destroy(
        new SourceError(
          'NETWORK',
          `no answer from ${target.hostname} for ${Math.round(policy.idleTimeoutMs / 1000)} s`,
          { retryable: true },
        ),
      );
    });
    req.once('response', (res) => {
      // From here the reader watches for stalls itself (a paused, back-pressured body is not one).
      req.setTimeout(0);
      resolve({ req, res });
    });
    req.once('error', (err) => reject(err));
    req.end();
  });
}
