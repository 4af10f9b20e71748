import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatIPv4, parseIPv4, parseIPv6 } from '@capstream/core/ip-words';
import { rng } from '@capstream/core/testing';
import type { GeoInfo } from '@capstream/pipeline';
import { Reader, type Response } from 'maxmind';
import { loadAsnTable } from '../src/asn-cache.ts';
import { AsnTable } from '../src/asn-table.ts';
import {
  DBIP_ATTRIBUTION,
  MAXMIND_ATTRIBUTION,
  NRO_ATTRIBUTION,
  ROUTEVIEWS_ATTRIBUTION,
} from '../src/attribution.ts';
import { DEFAULT_GEO_CONFIG } from '../src/config.ts';
import { GeoError } from '../src/errors.ts';
import { defaultDatabasePaths, type GeoDatabase, openGeoDatabase } from '../src/geo-db.ts';
import { writeMmdb } from './mmdb-writer.ts';

/**
 * Lookups against the packaged databases (pinned versions: @ip-location-db/* 2.3.2026061719
 * for countries and AS, 2.3.2026060513 for cities). Each answer below is what those files say;
 * a version bump that changes one is a deliberate update of this table.
 */
const KNOWN: [string, Partial<GeoInfo>][] = [
  [
    '8.8.8.8',
    {
      country: 'US',
      city: 'Mountain View',
      lat: 37.422,
      lon: -122.085,
      asn: 15169,
      asOrg: 'Google LLC',
    },
  ],
  [
    '1.1.1.1',
    { country: 'AU', city: 'Sydney', lat: -33.8688, lon: 151.209, asn: 13335, asOrg: 'Cloudflare, Inc.' },
  ],
  ['9.9.9.9', { country: 'US', asn: 19281, asOrg: 'Quad9' }],
  [
    '193.0.6.139',
    {
      country: 'NL',
      city: 'Amsterdam (Amsterdam-Centrum)',
      lat: 52.3717,
      lon: 4.8852,
      asn: 3333,
      asOrg: 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)',
    },
  ],
  ['2001:4860:4860::8888', { country: 'US', asn: 15169, asOrg: 'Google LLC' }],
  ['2606:4700:4700::1111', { country: 'US', asn: 13335, asOrg: 'Cloudflare, Inc.' }],
  [
    '2001:67c:2e8:22::c100:68b',
    {
      country: 'NL',
      city: 'Amsterdam',
      lat: 52.3676,
      lon: 4.9041,
      asn: 3333,
      asOrg: 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)',
    },
  ],
  // A quoted organisation with a comma and non-ASCII letters in the CSV.
  [
    '102.203.1.1',
    {
      country: 'AO',
      asn: 329712,
      asOrg: 'Go4IT Integração de Sistemas, LDA - Go4IT Integração de Sistemas, LDA',
    },
  ],
  // IPv4 inside IPv6: looked up as the IPv4 address.
  ['::ffff:8.8.8.8', { country: 'US', city: 'Mountain View', asn: 15169 }],
  ['64:ff9b::808:808', { country: 'US', city: 'Mountain View', asn: 15169 }],
];

const NEVER_LOOKED_UP: [string, GeoInfo['scope']][] = [
  ['192.168.1.1', 'private'],
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['100.64.1.1', 'shared'],
  ['127.0.0.1', 'loopback'],
  ['169.254.1.1', 'link-local'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.1', 'documentation'],
  ['203.0.113.1', 'documentation'],
  ['2001:db8::1', 'documentation'],
  ['::1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fd00::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['224.0.0.251', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['0.0.0.0', 'reserved'],
  ['::ffff:192.168.1.1', 'private'],
  ['64:ff9b::192.168.1.1', 'reserved'],
];

describe('GeoDatabase on the packaged databases', () => {
  let db: GeoDatabase;
  before(async () => {
    db = await openGeoDatabase(DEFAULT_GEO_CONFIG);
  });

  for (const [ip, expected] of KNOWN) {
    it(`knows ${ip}`, () => {
      const info = db.lookup(ip);
      assert.equal(info.scope, 'public');
      for (const [field, value] of Object.entries(expected)) {
        assert.equal(info[field as keyof GeoInfo], value, `${ip} ${field}`);
      }
      // Coordinates come in pairs, and with a city.
      assert.equal(info.lat === null, info.lon === null);
      if (info.lat !== null) assert.notEqual(info.city, null);
    });
  }

  it('answers the other addresses of a /24 from the first one as the databases would', async () => {
    const fresh = await openGeoDatabase({ ...DEFAULT_GEO_CONFIG, cacheSize: 0 });
    const cached = await openGeoDatabase(DEFAULT_GEO_CONFIG);
    const next = rng(7);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const net = (Math.floor(next() * 0xffffff) << 8) >>> 0;
      const first = formatIPv4(net + Math.floor(next() * 256));
      if (fresh.lookup(first).scope !== 'public') continue;
      cached.lookup(first);
      for (let k = 0; k < 3; k++) {
        const other = formatIPv4(net + Math.floor(next() * 256));
        assert.deepEqual(cached.lookup(other), fresh.lookup(other), `${other} after ${first}`);
        compared++;
      }
    }
    assert.ok(compared > 5000, `${compared} addresses compared`);
    // Most /24s are one record in each packaged database: their other addresses were cache hits.
    assert.ok(cached.stats.cacheHits > compared / 2, `${cached.stats.cacheHits} hits of ${compared}`);
  });

  it('never pairs a country with a city of another country', () => {
    // The city database puts 2001:4860:4860::8888 in Montreal, CA; the country database in US.
    const raw = new Reader<Response>(readFileSync(defaultDatabasePaths().cityV6)).get(
      '2001:4860:4860::8888',
    ) as {
      country_code?: string;
    } | null;
    assert.equal(raw?.country_code, 'CA');
    const info = db.lookup('2001:4860:4860::8888');
    assert.deepEqual([info.country, info.city, info.lat, info.lon], ['US', null, null, null]);
  });

  for (const [ip, scope] of NEVER_LOOKED_UP) {
    it(`never geolocates ${ip} (${scope})`, () => {
      const misses = db.stats.cacheMisses;
      assert.deepEqual(db.lookup(ip), {
        scope,
        country: null,
        city: null,
        lat: null,
        lon: null,
        asn: null,
        asOrg: null,
      });
      assert.equal(db.stats.cacheMisses, misses, 'no database was asked');
    });
  }

  it('would be wrong to ask: the country database places private and documentation addresses', () => {
    const raw = new Reader<Response>(readFileSync(defaultDatabasePaths().country));
    assert.notEqual(raw.get('192.168.1.1'), null);
    assert.notEqual(raw.get('2001:db8::1'), null);
  });

  it('answers repeated addresses from its cache', () => {
    const { cacheHits, cacheMisses } = db.stats;
    const a = db.lookup('151.101.1.140');
    const b = db.lookup('151.101.1.140');
    assert.equal(a, b);
    assert.equal(db.stats.cacheMisses, cacheMisses + 1);
    assert.equal(db.stats.cacheHits, cacheHits + 1);
    assert.ok(Object.isFrozen(a), 'shared answers cannot be changed by a caller');
  });

  it('credits the packaged data', () => {
    assert.deepEqual(
      [...db.attribution].sort(),
      [DBIP_ATTRIBUTION, NRO_ATTRIBUTION, ROUTEVIEWS_ATTRIBUTION].sort(),
    );
    assert.equal(DBIP_ATTRIBUTION, 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0');
  });
});

describe('AsnTable', () => {
  it('loads the packaged CSVs into sorted ranges and finds the edges of a range', async () => {
    const paths = defaultDatabasePaths();
    const table = await AsnTable.load(paths.asnV4Csv, paths.asnV6Csv);
    assert.ok(table.ranges.v4 > 300_000 && table.ranges.v6 > 50_000, JSON.stringify(table.ranges));
    // "1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."" then a gap until 1.0.4.0.
    for (const ip of ['1.0.0.0', '1.0.0.255']) assert.equal(table.asn(table.find4(parseIPv4(ip))), 13335);
    assert.equal(table.find4(parseIPv4('1.0.1.0')), -1);
    assert.equal(table.find4(parseIPv4('0.0.0.1')), -1);
    const w = new Uint32Array(4);
    parseIPv6('2001:4860::', w);
    assert.equal(table.asn(table.find6(w)), 15169);
    parseIPv6('::2', w);
    assert.equal(table.find6(w), -1);
  });

  it('tells whether a stretch of IPv4 addresses has one entry (or none) throughout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geo-asn-'));
    try {
      const v4 = join(dir, 'v4.csv');
      const v6 = join(dir, 'v6.csv');
      writeFileSync(
        v4,
        '1.0.0.0,1.0.0.255,1,A\n1.0.1.0,1.0.1.99,2,B\n1.0.1.100,1.0.1.255,3,C\n1.0.3.10,1.0.3.10,4,D\n',
      );
      writeFileSync(v6, '2001:200::,2001:200::ffff,5,E\n');
      const t = await AsnTable.load(v4, v6);
      const stretch = (lo: string, hi: string) => t.uniform4(parseIPv4(lo), parseIPv4(hi));
      assert.equal(stretch('1.0.0.0', '1.0.0.255'), true); // one range
      assert.equal(stretch('1.0.1.0', '1.0.1.255'), false); // two ranges
      assert.equal(stretch('1.0.0.0', '1.0.1.0'), false); // a range and the next
      assert.equal(stretch('1.0.2.0', '1.0.2.255'), true); // a gap
      assert.equal(stretch('1.0.3.0', '1.0.3.255'), false); // a gap around a one-address range
      assert.equal(stretch('0.0.0.0', '0.255.255.255'), true); // before the first range
      assert.equal(stretch('2.0.0.0', '2.0.0.255'), true); // after the last
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets the later of two overlapping rows win, and refuses unsorted or broken rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geo-asn-'));
    try {
      const v4 = join(dir, 'v4.csv');
      const v6 = join(dir, 'v6.csv');
      writeFileSync(v4, '1.0.0.0,1.0.0.255,1,"A, ""quoted"""\n1.0.0.128,1.0.1.255,2,B\n');
      writeFileSync(
        v6,
        '2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,3,C\r\n2001:200:8000::,2001:201::,4,D\r\n',
      );
      const t = await AsnTable.load(v4, v6);
      assert.equal(t.overlaps, 2);
      assert.equal(t.org(t.find4(parseIPv4('1.0.0.127'))), 'A, "quoted"');
      assert.equal(t.asn(t.find4(parseIPv4('1.0.0.128'))), 2);
      const w = new Uint32Array(4);
      parseIPv6('2001:200:7fff:ffff:ffff:ffff:ffff:ffff', w);
      assert.equal(t.asn(t.find6(w)), 3);
      parseIPv6('2001:200:8000::', w);
      assert.equal(t.asn(t.find6(w)), 4);

      writeFileSync(v4, '1.0.1.0,1.0.1.255,1,A\n1.0.0.0,1.0.0.255,2,B\n');
      await assert.rejects(
        AsnTable.load(v4, v6),
        (e: GeoError) => e.code === 'BAD_ASN_DATA' && /line 2/.test(e.message),
      );
      writeFileSync(v4, '1.0.0.0,1.0.0.999,1,A\n');
      await assert.rejects(AsnTable.load(v4, v6), (e: GeoError) => e.code === 'BAD_ASN_DATA');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the ASN table cache', () => {
  it('reads back from its bytes the same table; refuses bytes cut, changed or of another layout', async () => {
    const paths = defaultDatabasePaths();
    const table = await AsnTable.load(paths.asnV4Csv, paths.asnV6Csv);
    const bytes = table.toBytes();
    // At an odd offset in a larger buffer, as a file read may be.
    const framed = new Uint8Array(bytes.length + 3);
    framed.set(bytes, 1);
    const back = AsnTable.fromBytes(framed.subarray(1, 1 + bytes.length));
    assert.ok(back);
    assert.deepEqual(back.ranges, table.ranges);
    assert.equal(back.overlaps, table.overlaps);
    assert.ok(back.toBytes().equals(bytes));
    const w = new Uint32Array(4);
    for (const ip of ['1.0.0.0', '8.8.8.8', '1.0.1.0', '255.255.255.255']) {
      const e = table.find4(parseIPv4(ip));
      assert.equal(back.find4(parseIPv4(ip)), e, ip);
      if (e >= 0) assert.equal(back.org(e), table.org(e));
    }
    parseIPv6('2001:4860::', w);
    assert.equal(back.asn(back.find6(w)), 15169);

    assert.equal(AsnTable.fromBytes(bytes.subarray(0, bytes.length - 1)), null, 'cut');
    assert.equal(AsnTable.fromBytes(new Uint8Array(10)), null, 'too short');
    const other = Buffer.from(bytes);
    other.writeUInt32LE(AsnTable.BYTES_VERSION + 1, 4);
    assert.equal(AsnTable.fromBytes(other), null, 'another layout');
    const badEntry = Buffer.from(bytes);
    badEntry.writeUInt32LE(0xffffffff, 28 + 2 * 4 * table.ranges.v4);
    assert.equal(AsnTable.fromBytes(badEntry), null, 'an entry out of range');
  });

  it('is written on the first load, read on the next, and rebuilt when it is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geo-asn-cache-'));
    try {
      const v4 = join(dir, 'v4.csv');
      const v6 = join(dir, 'v6.csv');
      writeFileSync(v4, '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n');
      writeFileSync(v6, '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n');
      const cacheDir = join(dir, 'cache');
      const first = await loadAsnTable(v4, v6, cacheDir);
      const [file] = readdirSync(cacheDir);
      assert.match(file!, /^asn-table-[0-9a-f]{16}\.bin$/);
      assert.ok(readFileSync(join(cacheDir, file!)).equals(first.toBytes()));
      // Read from the cache, with the same answers.
      const again = await loadAsnTable(v4, v6, cacheDir);
      assert.equal(again.org(again.find4(parseIPv4('1.0.0.7'))), 'Cloudflare, Inc.');
      // A broken cache file is parsed around and replaced.
      writeFileSync(join(cacheDir, file!), 'not a table');
      const rebuilt = await loadAsnTable(v4, v6, cacheDir);
      assert.equal(rebuilt.asn(rebuilt.find4(parseIPv4('1.0.0.7'))), 13335);
      assert.ok(readFileSync(join(cacheDir, file!)).equals(first.toBytes()));
      // Changed CSV files get a cache file of their own, which replaces the old one.
      writeFileSync(v4, '1.0.0.0,1.0.0.255,64512,"Private use, renamed"\n');
      const changed = await loadAsnTable(v4, v6, cacheDir);
      assert.equal(changed.asn(changed.find4(parseIPv4('1.0.0.7'))), 64512);
      assert.equal(changed.org(changed.find4(parseIPv4('1.0.0.7'))), 'Private use, renamed');
      const files = readdirSync(cacheDir);
      assert.equal(files.length, 1);
      assert.notEqual(files[0], file);
      // No cache directory that can be written: loads all the same.
      const blocked = join(dir, 'a-file');
      writeFileSync(blocked, '');
      const uncached = await loadAsnTable(v4, v6, join(blocked, 'cache'));
      assert.equal(uncached.asn(uncached.find4(parseIPv4('1.0.0.7'))), 64512);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a user's own databases", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'geo-mmdb-'));
    writeFileSync(
      join(dir, 'GeoLite2-City.mmdb'),
      writeMmdb('GeoLite2-City', {
        '8.8.8.0/24': {
          city: { geoname_id: 1, names: { en: 'Testville', de: 'Teststadt' } },
          country: { iso_code: 'SE', names: { en: 'Sweden' } },
          location: { latitude: { double: 59.33258 }, longitude: { double: 18.0649 }, accuracy_radius: 50 },
        },
        '2001:4860::/32': {
          country: { iso_code: 'DE' },
          registered_country: { iso_code: 'US' },
          location: { latitude: { double: 51.2993 }, longitude: { double: 9.491 } },
        },
      }),
    );
    writeFileSync(
      join(dir, 'GeoLite2-ASN.mmdb'),
      writeMmdb('GeoLite2-ASN', {
        '8.8.8.0/24': { autonomous_system_number: 64512, autonomous_system_organization: 'Test AS' },
        '2001:4860::/32': { autonomous_system_number: 64513, autonomous_system_organization: 'Test AS six' },
      }),
    );
    writeFileSync(join(dir, 'not-a-db.mmdb'), 'hello, this is text\n'.repeat(100));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answer a /24 from one lookup only where every database has one record for all of it', async () => {
    const city = (name: string) => ({ city: { names: { en: name } }, country: { iso_code: 'SE' } });
    const asn = (n: number) => ({ autonomous_system_number: n, autonomous_system_organization: `AS ${n}` });
    writeFileSync(
      join(dir, 'split-city.mmdb'),
      writeMmdb('GeoLite2-City', {
        '9.9.0.0/16': city('Wide'),
        '10.0.0.0/8': city('Unused'),
        '11.1.1.0/25': city('Low half'),
        '11.1.1.128/25': city('High half'),
        '12.2.2.0/24': city('Whole'),
      }),
    );
    writeFileSync(
      join(dir, 'split-asn.mmdb'),
      writeMmdb('GeoLite2-ASN', {
        '9.9.0.0/16': asn(1),
        '11.1.1.0/24': asn(2),
        '12.2.2.0/26': asn(3),
        '12.2.2.64/26': asn(4),
        '12.2.2.128/25': asn(5),
      }),
    );
    const config = {
      ...DEFAULT_GEO_CONFIG,
      cityDb: join(dir, 'split-city.mmdb'),
      asnDb: join(dir, 'split-asn.mmdb'),
    };
    const cached = await openGeoDatabase(config);
    const fresh = await openGeoDatabase({ ...config, cacheSize: 0 });
    const pairs = [
      ['9.9.9.1', '9.9.9.250'], // one record each for the whole /24
      ['11.1.1.1', '11.1.1.200'], // the city database splits the /24
      ['12.2.2.1', '12.2.2.100'], // the ASN database splits it
      ['12.2.2.130', '12.2.2.2'],
      ['13.0.0.1', '13.0.0.2'], // in no database
    ];
    for (const [first, second] of pairs) {
      const before = cached.stats.cacheHits;
      assert.deepEqual(cached.lookup(first), fresh.lookup(first), first);
      assert.deepEqual(cached.lookup(second), fresh.lookup(second), `${second} after ${first}`);
      const uniform = first.startsWith('9.') || first.startsWith('13.');
      assert.equal(cached.stats.cacheHits - before, uniform ? 1 : 0, `${first}/24 answered from one lookup`);
    }
    assert.equal(fresh.lookup('11.1.1.200').city, 'High half');
    assert.equal(fresh.lookup('12.2.2.100').asn, 4);
  });

  it('replace the packaged ones: GeoLite2 City and ASN, countries from the city database', async () => {
    const db = await openGeoDatabase({
      ...DEFAULT_GEO_CONFIG,
      cityDb: join(dir, 'GeoLite2-City.mmdb'),
      asnDb: join(dir, 'GeoLite2-ASN.mmdb'),
    });
    assert.deepEqual(db.lookup('8.8.8.8'), {
      scope: 'public',
      country: 'SE',
      city: 'Testville',
      lat: 59.3326,
      lon: 18.0649,
      asn: 64512,
      asOrg: 'Test AS',
    });
    assert.deepEqual(db.lookup('::ffff:8.8.8.8'), db.lookup('8.8.8.8'));
    // No city name: coordinates still come with the country.
    assert.deepEqual(db.lookup('2001:4860:4860::8888'), {
      scope: 'public',
      country: 'DE',
      city: null,
      lat: 51.2993,
      lon: 9.491,
      asn: 64513,
      asOrg: 'Test AS six',
    });
    assert.deepEqual(db.lookup('1.1.1.1'), {
      scope: 'public',
      country: null,
      city: null,
      lat: null,
      lon: null,
      asn: null,
      asOrg: null,
    });
    assert.equal(db.lookup('192.168.1.1').country, null);
    assert.deepEqual(db.attribution, [MAXMIND_ATTRIBUTION]);
    assert.deepEqual(db.sources.asn, [join(dir, 'GeoLite2-ASN.mmdb')]);
  });

  it('an IPv4-only city database is never asked an IPv6 address', async () => {
    const db = await openGeoDatabase({ ...DEFAULT_GEO_CONFIG, cityDb: defaultDatabasePaths().cityV4 });
    assert.equal(db.lookup('8.8.8.8').city, 'Mountain View');
    // Asked, this file answers IPv6 addresses from the wrong bits.
    const info = db.lookup('2001:4860:4860::8888');
    assert.deepEqual([info.country, info.city, info.asn], [null, null, 15169]);
  });

  it('a path that does not exist is a clear GeoError', async () => {
    const missing = join(dir, 'GeoLite2-City-missing.mmdb');
    await assert.rejects(openGeoDatabase({ ...DEFAULT_GEO_CONFIG, cityDb: missing }), (e: unknown) => {
      assert.ok(e instanceof GeoError);
      assert.equal(e.code, 'DB_NOT_FOUND');
      assert.equal(e.message, `cityDb: ${missing} does not exist`);
      return true;
    });
  });

  it('a file that is no mmdb, or an mmdb of the wrong kind, is a clear GeoError', async () => {
    await assert.rejects(
      openGeoDatabase({ ...DEFAULT_GEO_CONFIG, asnDb: join(dir, 'not-a-db.mmdb') }),
      (e: GeoError) => e instanceof GeoError && e.code === 'NOT_MMDB' && /not a MaxMind DB/.test(e.message),
    );
    await assert.rejects(
      openGeoDatabase({ ...DEFAULT_GEO_CONFIG, asnDb: join(dir, 'GeoLite2-City.mmdb') }),
      (e: GeoError) =>
        e instanceof GeoError &&
        e.code === 'WRONG_DB_KIND' &&
        /"GeoLite2-City" database, not an ASN database/.test(e.message),
    );
  });
});
