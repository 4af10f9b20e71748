/**
 * IP address text to numbers, without allocating: an IPv4 address is one uint32 (first octet in
 * the high byte), an IPv6 address four uint32 words, most significant first, written into a
 * caller's Uint32Array. Hot path (twice per flow), so hand-rolled over char codes.
 */

import { SCRATCH, scratchText, writeDottedQuad } from './ascii.ts';

const COLON = 58;
const DOT = 46;

/**
 * Dotted-quad text between `from` and `to` to a uint32, or -1 when it is not one. Four decimal
 * parts of 1 to 3 digits, each at most 255, no leading zeros (so "010" is refused, not read as
 * octal or decimal).
 */
export function parseIPv4(s: string, from = 0, to = s.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  let leadingZero = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    if (digits === 0) leadingZero = d === 0;
    else if (leadingZero) return -1;
    part = part * 10 + d;
    if (++digits > 3 || part > 255) return -1;
  }
  if (digits === 0 || parts !== 3) return -1;
  // value * 256 + part stays below 2^32 and is exact in a double; >>> 0 keeps it unsigned.
  return (value * 256 + part) >>> 0;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const groups = new Uint16Array(8);

/**
 * IPv6 text (RFC 4291 section 2.2: groups of 1 to 4 hex digits, one `::`, an optional trailing
 * dotted quad; a `%zone` suffix is ignored) into `out[0..3]`. Returns false when it is not an
 * IPv6 address; `out` is then unspecified.
 */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  else if (end === 0) return false;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (end >= 1 && s.charCodeAt(0) === COLON) {
    if (end < 2 || s.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let v = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexDigit(s.charCodeAt(j));
      if (h < 0) break;
      if (j - i === 4) return false;
      v = v * 16 + h;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      // "x:x:x:x:x:x:d.d.d.d": the last 32 bits as a dotted quad.
      if (n > 6) return false;
      const v4 = parseIPv4(s, i, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j === i || n === 8) return false;
    groups[n++] = v;
    if (j === end) {
      i = end;
      break;
    }
    if (s.charCodeAt(j) !== COLON) return false;
    j++;
    if (j < end && s.charCodeAt(j) === COLON) {
      if (gap >= 0) return false;
      gap = n;
      j++;
    } else if (j === end) {
      return false; // a trailing single colon
    }
    i = j;
  }
  if (gap < 0) {
    if (n !== 8) return false;
  } else {
    // "::" stands for at least one group of zeros.
    if (n > 7) return false;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k];
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  out[0] = ((groups[0] << 16) | groups[1]) >>> 0;
  out[1] = ((groups[2] << 16) | groups[3]) >>> 0;
  out[2] = ((groups[4] << 16) | groups[5]) >>> 0;
  out[3] = ((groups[6] << 16) | groups[7]) >>> 0;
  return true;
}

/** A uint32 as dotted-quad text. */
export function formatIPv4(v: number): string {
  return scratchText(writeDottedQuad(SCRATCH, 0, v));
}

/** Compares two IPv6 addresses held as 4 words at `a[ai..ai+3]` and `b[bi..bi+3]`. */
export function compare128(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ai + k];
    const y = b[bi + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
