// Small allocation-free helpers for reading wire bytes. Every reader expects the caller to have checked the
// length first; the `match*` helpers check bounds themselves and simply return false when out of range.

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** True when `lit` (ASCII) occurs at `b[o]`, byte for byte. */
export function matchAscii(b: Uint8Array, o: number, lit: string): boolean {
  const n = lit.length;
  if (o < 0 || o + n > b.length) return false;
  for (let i = 0; i < n; i++) if (b[o + i] !== lit.charCodeAt(i)) return false;
  return true;
}

/** Case-insensitive ASCII match; `lit` must be given in lower case. */
export function matchAsciiCI(b: Uint8Array, o: number, lit: string): boolean {
  const n = lit.length;
  if (o < 0 || o + n > b.length) return false;
  for (let i = 0; i < n; i++) {
    let c = b[o + i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/** Case-insensitive search of `lit` (lower case) in b[from, to). Returns the index or -1. */
export function indexOfAsciiCI(b: Uint8Array, lit: string, from: number, to: number): number {
  const end = Math.min(to, b.length) - lit.length;
  const first = lit.charCodeAt(0);
  for (let i = Math.max(0, from); i <= end; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c === first && matchAsciiCI(b, i, lit)) return i;
  }
  return -1;
}

/**
 * End of the line starting at `from`: the index of its '\n' (or of the '\r' of a '\r\n'), searching at most
 * `max` bytes. Returns -1 when no line end is found within the limit.
 */
export function lineEnd(b: Uint8Array, from: number, max: number): number {
  const limit = Math.min(b.length, from + max);
  for (let i = from; i < limit; i++) {
    if (b[i] === 0x0a) return i > from && b[i - 1] === 0x0d ? i - 1 : i;
  }
  return -1;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Visible ASCII: 0x21..0x7e. */
export function isVisible(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/** Lower-cased ASCII text of b[start, end); bytes outside 0x20..0x7e make it return null. */
export function asciiLower(b: Uint8Array, start: number, end: number): string | null {
  if (start < 0 || end > b.length || end <= start) return null;
  let s = '';
  for (let i = start; i < end; i++) {
    let c = b[i];
    if (c < 0x20 || c > 0x7e) return null;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Printable ASCII text of b[start, end) with other bytes escaped as \xNN (used for ALPN identifiers). */
export function asciiEscaped(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i];
    s +=
      c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/**
 * Normalises a host name taken from the wire (SNI, Host header, SIP URI...): lower case, no trailing dot,
 * only letters, digits and '-', '_', '.', ':' (IPv6 literals); at most 253 characters. Returns null otherwise.
 */
export function hostName(b: Uint8Array, start: number, end: number): string | null {
  if (end > 0 && end - 1 > start && b[end - 1] === 0x2e) end--;
  if (end <= start || end - start > 253) return null;
  for (let i = start; i < end; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    else if (
      !((c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x3a)
    )
      return null;
    HOST[i - start] = c;
  }
  // One string from the lower-cased bytes: a character at a time made a string per character.
  return HOST.toString('latin1', 0, end - start);
}

const HOST = Buffer.alloc(253);
