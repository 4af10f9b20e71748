// DNS message parsing (RFC 1035 §4), shared by DNS, mDNS (RFC 6762), LLMNR (RFC 4795) and NetBIOS name
// service (RFC 1002) detection. All offsets are absolute in `b`; a message occupies b[base, end) and
// compression pointers are relative to `base`, so TCP's 2-byte length prefix needs no copy.

import { formatIPv4 } from '../ip-words.ts';
import { u16, u32 } from './bytes.ts';
import { v6Units, v6UnitsText } from './ip-text.ts';

export interface DnsRecord {
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME';
  /** The address's text (A, AAAA) or the target name (CNAME). */
  readonly value: string;
  readonly ttl: number;
  /** An A record's address as an unsigned 32-bit number (what the passive DNS indexes); else -1. */
  readonly addr4: number;
  /** An AAAA record's address as v6Units (what the passive DNS indexes); absent: read from value. */
  readonly addr6?: string | null;
}

/**
 * A record as parseDnsAnswers gives it: an address's text is made only when asked for, as the
 * passive DNS indexes addresses by number (A) and by code units (AAAA) and never asks.
 */
class Answer implements DnsRecord {
  constructor(
    readonly name: string,
    readonly type: 'A' | 'AAAA' | 'CNAME',
    readonly ttl: number,
    readonly addr4: number,
    readonly addr6: string | null,
    private text: string | null,
  ) {}

  get value(): string {
    this.text ??= this.addr6 !== null ? v6UnitsText(this.addr6) : formatIPv4(this.addr4);
    return this.text;
  }
}

const HEADER_LEN = 12;
/** RFC 1035 §3.1: "To simplify implementations, the total length of a domain name ... is restricted to 255 octets or less." */
const MAX_NAME_WIRE = 255;
/** Compression pointers followed per name; real messages need 1-3. */
const MAX_JUMPS = 16;
/** Questions per message accepted as plausible (mDNS queries may carry many). */
const MAX_QUESTIONS = 64;

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_OPT = 41;

/** Text of the last name decoded by walkName(..., true). Module-level to keep walkName allocation-free. */
let nameText = '';
/** The name being decoded, lower-cased, as bytes: made into a string once, not a character at a time. */
const NAME = Buffer.alloc(2 * MAX_NAME_WIRE);
let nameLen = 0;
/** A byte of the name needs a master-file escape: the text is then made by `escapedName`. */
let nameEscaped = false;

/**
 * Walks the domain name at `p`. RFC 1035 §4.1.4: "the first two bits are ones. This allows a pointer to be
 * distinguished from a label, since the label must begin with two zero bits"; the 10 and 01 combinations are
 * reserved, so they make the name invalid. Pointers must point backwards (before the pointer itself) and at most
 * MAX_JUMPS are followed, so loops terminate. Returns the offset just after the name's in-place bytes, or -1.
 */
function walkName(b: Uint8Array, base: number, end: number, p: number, wantText: boolean): number {
  const start = p;
  let after = -1;
  let jumps = 0;
  let wire = 0;
  if (wantText) {
    nameLen = 0;
    nameEscaped = false;
  }
  for (;;) {
    if (p >= end) return -1;
    const len = b[p];
    if (len === 0) {
      if (wire + 1 > MAX_NAME_WIRE) return -1;
      if (wantText)
        nameText = nameEscaped ? escapedName(b, base, start) : NAME.toString('latin1', 0, nameLen);
      return after < 0 ? p + 1 : after;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= end) return -1;
      const target = base + (((len & 0x3f) << 8) | b[p + 1]);
      if (after < 0) after = p + 2;
      if (++jumps > MAX_JUMPS || target >= p || target < base + HEADER_LEN) return -1;
      p = target;
      continue;
    }
    if (kind !== 0) return -1;
    wire += len + 1;
    if (wire + 1 > MAX_NAME_WIRE || p + 1 + len > end) return -1;
    if (wantText) appendLabel(b, p + 1, p + 1 + len);
    p += 1 + len;
  }
}

/** Adds a label to NAME, lower-cased; notes when a byte needs escaping. */
function appendLabel(b: Uint8Array, start: number, stop: number): void {
  let n = nameLen;
  if (n > 0) NAME[n++] = 0x2e;
  for (let i = start; i < stop; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    else if (c <= 0x20 || c >= 0x7f || c === 0x2e || c === 0x5c) nameEscaped = true;
    NAME[n++] = c;
  }
  nameLen = n;
}

/**
 * The text of a name (already walked and valid) with '.', '\\' and bytes outside 0x21..0x7e inside labels
 * escaped as in master files (\DDD). Rare: made a character at a time.
 */
function escapedName(b: Uint8Array, base: number, p: number): string {
  let s = '';
  for (let len = b[p]; len !== 0; len = b[p]) {
    if ((len & 0xc0) === 0xc0) {
      p = base + (((len & 0x3f) << 8) | b[p + 1]);
      continue;
    }
    if (s.length > 0) s += '.';
    for (let i = p + 1; i <= p + len; i++) {
      let c = b[i];
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
      else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
      else s += `\\${c.toString().padStart(3, '0')}`;
    }
    p += 1 + len;
  }
  return s;
}

/** RR class check (mDNS sets the top bit as cache-flush / unicast-response): IN, CH, HS, NONE, ANY. */
function plausibleClass(cls: number): boolean {
  const c = cls & 0x7fff;
  return c === 1 || c === 3 || c === 4 || c === 254 || c === 255;
}

/** Skips `count` questions from `p`; returns the end offset or -1. */
function skipQuestions(b: Uint8Array, base: number, end: number, p: number, count: number): number {
  for (let i = 0; i < count; i++) {
    p = walkName(b, base, end, p, false);
    if (p < 0 || p + 4 > end) return -1;
    if (u16(b, p) === 0 || !plausibleClass(u16(b, p + 2))) return -1;
    p += 4;
  }
  return p;
}

/**
 * Skips `count` resource records from `p`; returns the end offset or -1. With `padded`, the last
 * record may be padding as dnscrypt-proxy writes it (type 0, class 0, to the end of the message):
 * no such type exists, but the rest of the message is sound DNS (tshark: an "Unused" record).
 */
function skipRecords(
  b: Uint8Array,
  base: number,
  end: number,
  p: number,
  count: number,
  padded = false,
): number {
  for (let i = 0; i < count; i++) {
    p = walkName(b, base, end, p, false);
    if (p < 0 || p + 10 > end) return -1;
    const type = u16(b, p);
    const cls = u16(b, p + 2);
    const next = p + 10 + u16(b, p + 8);
    const padding = padded && i === count - 1 && type === 0 && cls === 0 && next === end;
    if (!padding && (type === 0 || (type !== TYPE_OPT && !plausibleClass(cls)))) return -1;
    p = next;
    if (p > end) return -1;
  }
  return p;
}

/**
 * Header sanity (RFC 1035 §4.1.1): OPCODE 0 (QUERY), 2 (STATUS), 4 (NOTIFY, RFC 1996), 5 (UPDATE, RFC 2136);
 * 1 (IQUERY) is obsolete (RFC 3425); NetBIOS name service also uses 5..9 (RFC 1002 §4.2.1.1);
 * "Z: Reserved for future use. Must be zero in all queries and responses."; RCODE 0..10;
 * the counts must fit the length (a question takes at least 5 bytes, a record at least 11).
 */
function headerPlausible(b: Uint8Array, base: number, len: number, allowNbnsOpcodes: boolean): boolean {
  if (len < HEADER_LEN) return false;
  const opcode = (b[base + 2] >> 3) & 0x0f;
  const opcodeOk =
    opcode === 0 || opcode === 2 || opcode === 4 || opcode === 5 || (allowNbnsOpcodes && opcode <= 9);
  if (!opcodeOk || (b[base + 3] & 0x40) !== 0 || (b[base + 3] & 0x0f) > 10) return false;
  const qd = u16(b, base + 4);
  const rr = u16(b, base + 6) + u16(b, base + 8) + u16(b, base + 10);
  if (qd > MAX_QUESTIONS || qd + rr === 0) return false;
  return qd * 5 + rr * 11 <= len - HEADER_LEN;
}

export const DNS_NO = 0;
export const DNS_YES = 1;
/** The message looks like DNS so far but is incomplete (TCP). */
export const DNS_NEED_MORE = 2;

/**
 * Evidence that b[base, end) holds (the start of) a DNS message of `msgLen` bytes. When the message is complete
 * (UDP, or TCP once the length prefix is satisfied) all sections are checked; otherwise the header and the
 * questions, and DNS_NEED_MORE is returned while the questions are not all in yet.
 * Queries need at least one question; responses without questions (mDNS announcements) need an answer.
 */
export function probeDns(
  b: Uint8Array,
  base: number,
  end: number,
  msgLen = end - base,
  nbns = false,
): number {
  const complete = end - base >= msgLen;
  if (complete) end = base + msgLen;
  if (end - base < HEADER_LEN) return complete ? DNS_NO : DNS_NEED_MORE;
  if (!headerPlausible(b, base, msgLen, nbns)) return DNS_NO;
  const qd = u16(b, base + 4);
  const an = u16(b, base + 6);
  const isResponse = (b[base + 2] & 0x80) !== 0;
  if (qd === 0 && (!isResponse || an === 0)) return DNS_NO;
  let p = skipQuestions(b, base, end, base + HEADER_LEN, qd);
  // Questions are short: if they do not parse from the first 512 bytes they never will.
  if (p < 0) return complete || end - base >= 512 ? DNS_NO : DNS_NEED_MORE;
  if (!complete) return DNS_YES;
  const ar = u16(b, base + 10);
  p = skipRecords(b, base, end, p, an + u16(b, base + 8) + ar, ar > 0);
  // A truncated (TC) response may stop in the middle of its records.
  if (p < 0) return (b[base + 2] & 0x02) !== 0 ? DNS_YES : DNS_NO;
  // Without a question the evidence is thinner: the records must then fill the message exactly.
  return qd > 0 || p === end ? DNS_YES : DNS_NO;
}

/**
 * RFC 1002 §4.1: NetBIOS names are carried as a 32-byte first-level encoding, each nibble as 'A'..'P'.
 * True when the first question's first label is such a name.
 */
export function hasNetbiosName(b: Uint8Array, base: number, end: number): boolean {
  const p = base + HEADER_LEN;
  if (p + 33 > end || b[p] !== 32) return false;
  for (let i = 1; i <= 32; i++) {
    const c = b[p + i];
    if (c < 0x41 || c > 0x50) return false;
  }
  return true;
}

/**
 * Parse a DNS message (UDP payload; for TCP the 2-byte length prefix is present when tcp=true),
 * all of `payload` or its bytes [start, stop).
 * Calls onRecord for each A/AAAA/CNAME answer of a response (QR=1, RCODE=0). Handles name compression
 * with a loop/jump cap. Returns false when the bytes are not a well-formed DNS message.
 */
export function parseDnsAnswers(
  payload: Uint8Array,
  tcp: boolean,
  onRecord: (r: DnsRecord) => void,
  start = 0,
  stop = payload.length,
): boolean {
  let base = start;
  let end = stop;
  if (tcp) {
    if (end - base < 2) return false;
    base = start + 2;
    end = base + u16(payload, start);
    if (end > stop) return false;
  }
  const b = payload;
  if (end - base < HEADER_LEN) return false;
  const qd = u16(b, base + 4);
  const an = u16(b, base + 6);
  const ns = u16(b, base + 8);
  const ar = u16(b, base + 10);
  if (qd * 5 + (an + ns + ar) * 11 > end - base - HEADER_LEN) return false;
  const truncated = (b[base + 2] & 0x02) !== 0;

  // Pass 1: structure only, no allocation.
  const answersAt = skipQuestions(b, base, end, base + HEADER_LEN, qd);
  if (answersAt < 0) return false;
  const authorityAt = skipRecords(b, base, end, answersAt, an);
  // A truncated (TC) response may stop in the middle of its records; the complete answers are still usable.
  if (authorityAt < 0 && !truncated) return false;
  if (authorityAt >= 0 && skipRecords(b, base, end, authorityAt, ns + ar, ar > 0) < 0 && !truncated)
    return false;

  // RFC 1035 §4.1.1: "QR ... whether this message is a query (0), or a response (1)"; RCODE 0 = No error.
  if ((b[base + 2] & 0x80) === 0 || (b[base + 3] & 0x0f) !== 0) return true;

  // Pass 2: decode the A/AAAA/CNAME answers.
  let p = answersAt;
  for (let i = 0; i < an; i++) {
    const nameEnd = walkName(b, base, end, p, true);
    if (nameEnd < 0 || nameEnd + 10 > end) break;
    const name = nameText;
    const type = u16(b, nameEnd);
    const cls = u16(b, nameEnd + 2) & 0x7fff;
    const ttl = u32(b, nameEnd + 4);
    const rdStart = nameEnd + 10;
    const rdEnd = rdStart + u16(b, nameEnd + 8);
    if (rdEnd > end) break;
    p = rdEnd;
    if (cls !== 1) continue;
    if (type === TYPE_A && rdEnd - rdStart === 4) {
      onRecord(new Answer(name, 'A', ttl, u32(b, rdStart), null, null));
    } else if (type === TYPE_AAAA && rdEnd - rdStart === 16) {
      onRecord(new Answer(name, 'AAAA', ttl, -1, v6Units(b, rdStart), null));
    } else if (type === TYPE_CNAME) {
      const targetEnd = walkName(b, base, rdEnd, rdStart, true);
      if (targetEnd === rdEnd) onRecord(new Answer(name, 'CNAME', ttl, -1, null, nameText));
    }
  }
  return true;
}
