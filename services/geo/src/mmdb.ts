import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Reader, type Response } from 'maxmind';
import { GeoError } from './errors.ts';

/**
 * "The metadata section ... begins with the byte sequence \xAB\xCD\xEFMaxMind.com. ... The
 * maximum allowed size for the metadata section, including the marker that starts the metadata,
 * is 128KiB." (MaxMind DB File Format Specification 2.0, "Database Metadata")
 */
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
const METADATA_MAX = 128 * 1024;

/** What a setting expects of its file, checked against the file's `database_type`. */
export type MmdbKind = 'country' | 'city' | 'asn';

const KIND_TYPES: Record<MmdbKind, RegExp> = {
  // A City or Enterprise database also answers country questions.
  country: /country|city|enterprise/i,
  city: /city|enterprise/i,
  // GeoIP2-ISP carries autonomous_system_number/organization too.
  asn: /asn|isp/i,
};

const KIND_NAMES: Record<MmdbKind, string> = { country: 'a Country', city: 'a City', asn: 'an ASN' };

/** Throws a GeoError unless `path` is an existing regular file. */
export function checkFile(path: string, setting: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new GeoError('DB_NOT_FOUND', `${setting}: ${path} is not a file`, setting);
    size = st.size;
  } catch (e) {
    if (e instanceof GeoError) throw e;
    throw new GeoError('DB_NOT_FOUND', `${setting}: ${path} does not exist`, setting);
  }
  return size;
}

/**
 * Checks that `path` exists and ends with an mmdb metadata section, reading only its tail: cheap
 * enough to run when the configuration is read, so a wrong path fails at start-up.
 */
export function checkMmdbFile(path: string, setting: string): void {
  const size = checkFile(path, setting);
  const length = Math.min(size, METADATA_MAX);
  const tail = Buffer.alloc(length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new GeoError('DB_UNREADABLE', `${setting}: cannot read ${path}: ${(e as Error).message}`, setting);
  }
  try {
    readSync(fd, tail, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  if (tail.lastIndexOf(METADATA_MARKER) < 0) {
    throw new GeoError(
      'NOT_MMDB',
      `${setting}: ${path} is not a MaxMind DB (.mmdb) file (no metadata section)`,
      setting,
    );
  }
}

/**
 * Decoded records by data-section offset, for mmdb-lib's decoder: many ranges share one record
 * (a city, an AS), and decoding a city map costs more than the tree walk. Emptied when full.
 * Records handed out are shared: never mutate them.
 */
class RecordCache {
  private readonly map = new Map<string | number, unknown>();

  constructor(private readonly max: number) {}

  get(key: string | number): unknown {
    return this.map.get(key);
  }

  set(key: string | number, value: unknown): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}

const RECORD_CACHE_SIZE = 8192;

/** An open mmdb and what it can answer. */
export interface Mmdb {
  path: string;
  reader: Reader<Response>;
  /** 4: IPv4 only (asking it an IPv6 address gives garbage, so it is never asked); 6: both. */
  ipVersion: 4 | 6;
  databaseType: string;
  buildEpoch: Date;
}

/** Reads a whole mmdb into memory and checks it is of the kind `setting` wants. */
export async function openMmdb(path: string, kind: MmdbKind, setting: string): Promise<Mmdb> {
  checkMmdbFile(path, setting);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new GeoError('DB_UNREADABLE', `${setting}: cannot read ${path}: ${(e as Error).message}`, setting);
  }
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(bytes, { cache: new RecordCache(RECORD_CACHE_SIZE) });
  } catch (e) {
    throw new GeoError(
      'NOT_MMDB',
      `${setting}: ${path} is not a readable MaxMind DB: ${(e as Error).message}`,
      setting,
    );
  }
  const { databaseType, ipVersion, buildEpoch } = reader.metadata;
  if (typeof databaseType !== 'string' || !KIND_TYPES[kind].test(databaseType)) {
    throw new GeoError(
      'WRONG_DB_KIND',
      `${setting}: ${path} is a "${databaseType}" database, not ${KIND_NAMES[kind]} database`,
      setting,
    );
  }
  if (ipVersion !== 4 && ipVersion !== 6) {
    throw new GeoError('NOT_MMDB', `${setting}: ${path} has ip_version ${ipVersion}`, setting);
  }
  return { path, reader, ipVersion, databaseType, buildEpoch };
}
