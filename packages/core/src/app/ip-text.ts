// Canonical text forms of IP addresses read from wire bytes, made flat (see ascii.ts).

import { SCRATCH, scratchText, writeDottedQuad, writeHex16 } from '../ascii.ts';
import { formatIPv4 as dottedQuad, parseIPv6 } from '../ip-words.ts';
import { u32 } from './bytes.ts';

/** Dotted-quad text of the 4 bytes at `offset` (caller checks that they exist). */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return dottedQuad(u32(bytes, offset));
}

/**
 * RFC 5952 text of the 16 bytes at `offset` (caller checks that they exist):
 * §4.1 leading zeros of each 16-bit field are suppressed; §4.2.1 '::' shortens as much as possible,
 * §4.2.2 but never a single 0 field; §4.2.3 the longest run of zero fields, the first one on a tie;
 * §4.3 hexadecimal digits are lower case. §5: an IPv4-mapped address (::ffff:0:0/96) keeps the dotted-quad tail.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  return scratchText(writeIPv6(SCRATCH, 0, bytes, offset));
}

/** formatIPv6's text written at `out[p]` (up to 45 bytes); returns the end. */
export function writeIPv6(out: Uint8Array, p: number, bytes: Uint8Array, offset = 0): number {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;

  const start = p;
  // ::ffff:a.b.c.d
  if (bestStart === 0 && bestLen === 5 && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff) {
    for (const c of V4_MAPPED) out[p++] = c;
    return writeDottedQuad(out, p, u32(bytes, offset + 12));
  }

  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out[p++] = COLON;
      out[p++] = COLON;
      i += bestLen - 1;
      continue;
    }
    if (p > start && out[p - 1] !== COLON) out[p++] = COLON;
    p = writeHex16(out, p, (bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]);
  }
  return p;
}

/**
 * The 16 bytes at `offset` as eight UTF-16 code units, one per 16-bit group (the form flow keys
 * hold IPv6 addresses in): a short string to key a Map by, hashed much faster than the text.
 */
export function v6Units(bytes: Uint8Array, offset = 0): string {
  const b = bytes;
  const o = offset;
  return String.fromCharCode(
    (b[o] << 8) | b[o + 1],
    (b[o + 2] << 8) | b[o + 3],
    (b[o + 4] << 8) | b[o + 5],
    (b[o + 6] << 8) | b[o + 7],
    (b[o + 8] << 8) | b[o + 9],
    (b[o + 10] << 8) | b[o + 11],
    (b[o + 12] << 8) | b[o + 13],
    (b[o + 14] << 8) | b[o + 15],
  );
}

const UNIT_BYTES = new Uint8Array(16);

/** The address held as v6Units from code unit `at` on, as 16 bytes in a scratch array that the next call overwrites. */
export function v6UnitsBytes(s: string, at = 0): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const u = s.charCodeAt(at + i);
    UNIT_BYTES[2 * i] = u >>> 8;
    UNIT_BYTES[2 * i + 1] = u & 0xff;
  }
  return UNIT_BYTES;
}

/** The canonical text of an address held as v6Units from code unit `at` on. */
export function v6UnitsText(s: string, at = 0): string {
  return formatIPv6(v6UnitsBytes(s, at), 0);
}

const WORDS = new Uint32Array(4);

/** IPv6 text as v6Units, or null when it is not IPv6. */
export function v6UnitsOfText(ip: string): string | null {
  if (!parseIPv6(ip, WORDS)) return null;
  const w = WORDS;
  return String.fromCharCode(
    w[0] >>> 16,
    w[0] & 0xffff,
    w[1] >>> 16,
    w[1] & 0xffff,
    w[2] >>> 16,
    w[2] & 0xffff,
    w[3] >>> 16,
    w[3] & 0xffff,
  );
}

const COLON = 0x3a;
const V4_MAPPED = [COLON, COLON, 0x66, 0x66, 0x66, 0x66, COLON];
