import { readFile } from 'node:fs/promises';
import { compare128, parseIPv4, parseIPv6 } from '@capstream/core/ip-words';
import { GeoError } from './errors.ts';

/**
 * AS numbers and organisations by address range, from @ip-location-db/asn's CSV files
 * (`start,end,asn,organisation`, inclusive ranges, sorted; organisation quoted when it holds a
 * comma or a quote, quotes doubled inside). The rare overlapping rows are resolved at load.
 *
 * Held as typed arrays, searched by bisection: IPv4 range starts and ends as Uint32Array, IPv6
 * ranges packed 8 words each (start then end, most significant word first) in one Uint32Array.
 * Each range points at an (asn, organisation) entry; organisations are deduplicated strings.
 *
 * Measured on the pinned 2.3.2026061719 package (411,961 IPv4 and 103,197 IPv6 ranges, 91,065
 * distinct (AS, organisation) entries; one overlapping pair of rows), Node 20 on this project's
 * shared 2-core machine:
 *   load    0.5-1.0 s of CPU for both files (0.7-1.5 s wall when the machine is busy); the peak
 *           while loading holds the 33 MB of file bytes and their Latin-1 text, freed after;
 *   memory  9.0 MB of typed arrays (v4: 3 x 4 B a range; v6: 36 B a range; 4 B an entry's AS)
 *           + ~5.5 MB of heap for the organisation strings = ~14.5 MB retained;
 *   lookup  a bisection of 19 (IPv4) or 17 (IPv6) steps, ~0.1-0.25 us.
 */
export class AsnTable {
  private constructor(
    private readonly v4Start: Uint32Array,
    private readonly v4End: Uint32Array,
    private readonly v4Entry: Uint32Array,
    /** 8 words a range: start[4], end[4]. */
    private readonly v6Range: Uint32Array,
    private readonly v6Entry: Uint32Array,
    private readonly entryAsn: Uint32Array,
    private readonly entryOrg: readonly string[],
    /** Overlapping rows met while loading (the later range won where they met). */
    readonly overlaps: number,
  ) {}

  get ranges(): { v4: number; v6: number; entries: number } {
    return { v4: this.v4Start.length, v6: this.v6Entry.length, entries: this.entryAsn.length };
  }

  /** Bytes held by the typed arrays (the strings are not counted). */
  get byteLength(): number {
    return (
      this.v4Start.byteLength +
      this.v4End.byteLength +
      this.v4Entry.byteLength +
      this.v6Range.byteLength +
      this.v6Entry.byteLength +
      this.entryAsn.byteLength
    );
  }

  /** The entry of the range holding IPv4 `ip`, or -1. */
  find4(ip: number): number {
    const i = this.rangeAtOrBefore4(ip);
    return i >= 0 && ip <= this.v4End[i] ? this.v4Entry[i] : -1;
  }

  /** Whether every IPv4 address from `lo` to `hi` has the same entry (or none), as `find4` answers. */
  uniform4(lo: number, hi: number): boolean {
    const i = this.rangeAtOrBefore4(lo);
    // Inside range i: uniform if the range reaches hi. Outside any: if the next range starts past hi.
    if (i >= 0 && lo <= this.v4End[i]) return hi <= this.v4End[i];
    return i + 1 >= this.v4Start.length || this.v4Start[i + 1] > hi;
  }

  /** The last IPv4 range starting at or before `ip` (a bisection), or -1. */
  private rangeAtOrBefore4(ip: number): number {
    const starts = this.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= ip) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** The entry of the range holding IPv6 `ip` (4 words), or -1. */
  find6(ip: Uint32Array): number {
    const r = this.v6Range;
    let lo = 0;
    let hi = this.v6Entry.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare128(r, mid * 8, ip, 0) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compare128(ip, 0, r, hi * 8 + 4) <= 0 ? this.v6Entry[hi] : -1;
  }

  asn(entry: number): number {
    return this.entryAsn[entry];
  }

  /** The layout of `toBytes`; a new layout takes a new number, and bytes of another are refused. */
  static readonly BYTES_VERSION = 1;

  /**
   * The table as bytes, for a cache file (asn-cache.ts): a header of 7 uint32 (magic, layout,
   * IPv4 ranges, IPv6 ranges, entries, overlaps, organisation bytes), the typed arrays as they are
   * in memory (little-endian on the machines that write and read a cache), then the organisations
   * as UTF-8 joined by newlines (a CSV row cannot hold one).
   */
  toBytes(): Buffer {
    const orgs = Buffer.from(this.entryOrg.join('\n'), 'utf8');
    const header = Uint32Array.of(
      BYTES_MAGIC,
      AsnTable.BYTES_VERSION,
      this.v4Start.length,
      this.v6Entry.length,
      this.entryAsn.length,
      this.overlaps,
      orgs.length,
    );
    const arrays = [
      header,
      this.v4Start,
      this.v4End,
      this.v4Entry,
      this.v6Range,
      this.v6Entry,
      this.entryAsn,
    ];
    return Buffer.concat([...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)), orgs]);
  }

  /** A table from `toBytes`' bytes, or null when they are not a whole, consistent table of this layout. */
  static fromBytes(bytes: Uint8Array): AsnTable | null {
    const HEADER = 7 * 4;
    if (bytes.length < HEADER) return null;
    // Copies, aligned (a file's bytes may start anywhere in their buffer).
    const words = (at: number, n: number): Uint32Array =>
      new Uint32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * n));
    const [magic, version, n4, n6, ne, overlaps, orgBytes] = words(0, 7);
    if (magic !== BYTES_MAGIC || version !== AsnTable.BYTES_VERSION) return null;
    if (bytes.length !== HEADER + 4 * (3 * n4 + 9 * n6 + ne) + orgBytes) return null;
    let at = HEADER;
    const take = (n: number): Uint32Array => {
      const a = words(at, n);
      at += 4 * n;
      return a;
    };
    const v4Start = take(n4);
    const v4End = take(n4);
    const v4Entry = take(n4);
    const v6Range = take(8 * n6);
    const v6Entry = take(n6);
    const entryAsn = take(ne);
    const orgs =
      ne === 0
        ? []
        : Buffer.from(bytes.buffer, bytes.byteOffset + at, orgBytes)
            .toString('utf8')
            .split('\n');
    if (orgs.length !== ne) return null;
    for (const e of v4Entry) if (e >= ne) return null;
    for (const e of v6Entry) if (e >= ne) return null;
    return new AsnTable(v4Start, v4End, v4Entry, v6Range, v6Entry, entryAsn, orgs, overlaps);
  }

  org(entry: number): string | null {
    return this.entryOrg[entry] || null;
  }

  /** Reads both CSV files. Throws a GeoError (BAD_ASN_DATA) naming the file and line of a bad row. */
  static async load(v4Path: string, v6Path: string): Promise<AsnTable> {
    const [v4Bytes, v6Bytes] = await Promise.all([read(v4Path), read(v6Path)]);
    const entries = new EntryTable();
    const v4 = parseRanges(v4Bytes, v4Path, 4, entries);
    const v6 = parseRanges(v6Bytes, v6Path, 6, entries);
    return new AsnTable(
      v4.starts,
      v4.ends,
      v4.entries,
      v6.words,
      v6.entries,
      Uint32Array.from(entries.asns),
      entries.orgs,
      v4.overlaps + v6.overlaps,
    );
  }
}

/** "ASN1", first in a table's bytes. */
const BYTES_MAGIC = 0x314e5341;

async function read(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new GeoError('BAD_ASN_DATA', `cannot read ${path}: ${(e as Error).message}`, path);
  }
}

/** (asn, organisation) pairs, each stored once. */
class EntryTable {
  readonly asns: number[] = [];
  readonly orgs: string[] = [];
  /** First entry of each AS number; further ones (the same AS under another name) chained by `next`. */
  private readonly first = new Map<number, number>();
  private readonly next: number[] = [];

  id(asn: number, org: string): number {
    const head = this.first.get(asn);
    let id = head;
    while (id !== undefined && id >= 0) {
      if (this.orgs[id] === org) return id;
      id = this.next[id];
    }
    id = this.asns.length;
    this.asns.push(asn);
    this.orgs.push(org);
    this.next.push(head ?? -1);
    this.first.set(asn, id);
    return id;
  }
}

interface V4Ranges {
  overlaps: number;
  starts: Uint32Array;
  ends: Uint32Array;
  entries: Uint32Array;
}

interface V6Ranges {
  overlaps: number;
  words: Uint32Array;
  entries: Uint32Array;
}

/** Subtracts one from the 128-bit number at `a[at..at+3]` (not zero). */
function decrement128(a: Uint32Array, at: number): void {
  for (let k = 3; k >= 0; k--) {
    const w = a[at + k];
    a[at + k] = w - 1;
    if (w !== 0) return;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && text.charCodeAt(text.length - 1) !== 10 ? n + 1 : n;
}

/** A quoted CSV field's text: outer quotes dropped, doubled quotes undoubled. */
function unquote(field: string): string {
  if (field.length >= 2 && field.charCodeAt(0) === 34 && field.charCodeAt(field.length - 1) === 34) {
    return field.slice(1, -1).replaceAll('""', '"');
  }
  return field;
}

function parseRanges(bytes: Buffer, path: string, family: 4, entries: EntryTable): V4Ranges;
function parseRanges(bytes: Buffer, path: string, family: 6, entries: EntryTable): V6Ranges;
function parseRanges(bytes: Buffer, path: string, family: 4 | 6, entries: EntryTable): V4Ranges | V6Ranges {
  // Latin-1 text has one character per byte, so its indexes are byte offsets: the structure is
  // read from it, and the organisation names are decoded from the bytes as UTF-8 (fresh strings:
  // a slice of the text would keep the whole text alive).
  const text = bytes.toString('latin1');
  const capacity = countLines(text);
  const starts = new Uint32Array(family === 4 ? capacity : 0);
  const ends = new Uint32Array(family === 4 ? capacity : 0);
  const words = new Uint32Array(family === 6 ? capacity * 8 : 0);
  const entryOf = new Uint32Array(capacity);
  const bad = (line: number, why: string): GeoError =>
    new GeoError('BAD_ASN_DATA', `${path} line ${line}: ${why}`, path);
  const s6 = new Uint32Array(4);
  const e6 = new Uint32Array(4);
  let overlaps = 0;
  let prevRaw = '';
  let prevEntry = 0;
  let n = 0;
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    line++;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end > pos) {
      const c1 = text.indexOf(',', pos);
      const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
      const c3 = c2 < 0 ? -1 : text.indexOf(',', c2 + 1);
      if (c3 < 0 || c3 >= end) throw bad(line, 'fewer than 4 fields');
      let entry: number;
      // Neighbouring rows often name the same AS: compare in place before slicing anything.
      if (end - c2 - 1 === prevRaw.length && text.startsWith(prevRaw, c2 + 1)) {
        entry = prevEntry;
      } else {
        const asnText = text.slice(c2 + 1, c3);
        const asn = Number(asnText);
        if (!/^\d+$/.test(asnText) || asn > 0xffffffff) throw bad(line, `AS number "${asnText}"`);
        entry = entries.id(asn, unquote(bytes.toString('utf8', c3 + 1, end)));
        prevRaw = text.slice(c2 + 1, end);
        prevEntry = entry;
      }
      if (family === 4) {
        const s = parseIPv4(text, pos, c1);
        const e = parseIPv4(text, c1 + 1, c2);
        if (s < 0 || e < 0 || e < s) throw bad(line, 'not an IPv4 range');
        if (n > 0 && s <= ends[n - 1]) {
          if (s < starts[n - 1]) throw bad(line, 'ranges not sorted');
          // An overlap (the data has a few): the later range wins where they meet.
          overlaps++;
          if (s > starts[n - 1]) ends[n - 1] = s - 1;
          else n--;
        }
        starts[n] = s;
        ends[n] = e;
      } else {
        let at = n * 8;
        if (!parseIPv6(text.slice(pos, c1), s6) || !parseIPv6(text.slice(c1 + 1, c2), e6)) {
          throw bad(line, 'not an IPv6 range');
        }
        if (compare128(e6, 0, s6, 0) < 0) throw bad(line, 'range ends before it starts');
        if (n > 0 && compare128(s6, 0, words, at - 4) <= 0) {
          const cmp = compare128(s6, 0, words, at - 8);
          if (cmp < 0) throw bad(line, 'ranges not sorted');
          overlaps++;
          if (cmp > 0) {
            words.set(s6, at - 4);
            decrement128(words, at - 4);
          } else {
            n--;
            at -= 8;
          }
        }
        words.set(s6, at);
        words.set(e6, at + 4);
      }
      entryOf[n] = entry;
      n++;
    }
    pos = eol + 1;
  }
  if (n === 0) throw new GeoError('BAD_ASN_DATA', `${path} holds no ranges`, path);
  // Trim to the rows read (blank lines were counted); slice copies so the spare capacity is freed.
  if (family === 4) {
    return { starts: starts.slice(0, n), ends: ends.slice(0, n), entries: entryOf.slice(0, n), overlaps };
  }
  return { words: words.slice(0, n * 8), entries: entryOf.slice(0, n), overlaps };
}
