// HTTP/1.x request and response recognition (RFC 9112 §3, §4) and the Host header (RFC 9110 §7.2). Also the
// HTTP-over-UDP variant used by SSDP (UPnP Device Architecture §1.3).

import { hostName, isDigit, isVisible, lineEnd, matchAscii, matchAsciiCI } from './bytes.ts';

export interface HttpRequestInfo {
  /** Host header (or absolute-form / CONNECT authority) without port, lower case; null if absent or invalid. */
  host: string | null;
}

/** 'no': not this protocol; 'more': consistent so far, more bytes are needed. */
export type Verdict = 'no' | 'more';

/** Longest request line examined (RFC 9112 §3: "at a minimum, request-line lengths of 8000 octets"). */
const MAX_REQUEST_LINE = 8192;
/** Longest header block examined for Host. */
const MAX_HEAD = 8192;
/** RFC 9113 §3.4: the HTTP/2 prior-knowledge client connection preface. */
const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** RFC 9110 §9.1 methods plus PATCH (RFC 5789); returns the method length when `b` starts with one and SP. */
export function httpMethodLength(b: Uint8Array): number {
  if (b.length < 4) return 0;
  let n = 0;
  switch (b[0]) {
    case 0x47: // G
      n = matchAscii(b, 0, 'GET') ? 3 : 0;
      break;
    case 0x50: // P
      n = matchAscii(b, 0, 'POST') ? 4 : matchAscii(b, 0, 'PUT') ? 3 : matchAscii(b, 0, 'PATCH') ? 5 : 0;
      break;
    case 0x48: // H
      n = matchAscii(b, 0, 'HEAD') ? 4 : 0;
      break;
    case 0x44: // D
      n = matchAscii(b, 0, 'DELETE') ? 6 : 0;
      break;
    case 0x4f: // O
      n = matchAscii(b, 0, 'OPTIONS') ? 7 : 0;
      break;
    case 0x43: // C
      n = matchAscii(b, 0, 'CONNECT') ? 7 : 0;
      break;
    case 0x54: // T
      n = matchAscii(b, 0, 'TRACE') ? 5 : 0;
      break;
  }
  return n > 0 && b.length > n && b[n] === 0x20 ? n : 0;
}

/** Offsets of the request target found by requestLine(), and whether it was an HTTP/0.9 line. */
let targetStart = 0;
let targetEnd = 0;
let simpleRequest = false;

/**
 * RFC 9112 §3: request-line = method SP request-target SP HTTP-version, HTTP-version = "HTTP/" DIGIT "." DIGIT.
 * `methodLen` is the length of the method already matched. `version` is the protocol token expected
 * ('HTTP/1.' for HTTP, 'SIP/2.0' for SIP). Returns the offset just after the line's CRLF, or a Verdict.
 */
export function requestLine(b: Uint8Array, methodLen: number, version: string): number | Verdict {
  let p = methodLen + 1;
  targetStart = p;
  simpleRequest = false;
  const limit = Math.min(b.length, MAX_REQUEST_LINE);
  while (p < limit && isVisible(b[p])) p++;
  if (p === limit) return b.length < MAX_REQUEST_LINE ? 'more' : 'no';
  targetEnd = p;
  // RFC 1945 §4.1: an HTTP/0.9 Simple-Request is "GET" SP Request-URI CRLF, with no version.
  if (
    (b[p] === 0x0d || b[p] === 0x0a) &&
    version === 'HTTP/1.' &&
    methodLen === 3 &&
    b[0] === 0x47 &&
    b[targetStart] === 0x2f
  ) {
    simpleRequest = true;
    if (b[p] === 0x0a) return p + 1;
    if (p + 1 >= b.length) return 'more';
    return b[p + 1] === 0x0a ? p + 2 : 'no';
  }
  if (b[p] !== 0x20 || p === targetStart) return 'no';
  p++;
  const vEnd = p + version.length;
  if (b.length < vEnd) {
    for (let i = p; i < b.length; i++) if (b[i] !== version.charCodeAt(i - p)) return 'no';
    return 'more';
  }
  if (!matchAscii(b, p, version)) return 'no';
  p = vEnd;
  if (version === 'HTTP/1.') {
    if (p >= b.length) return 'more';
    if (!isDigit(b[p])) return 'no';
    p++;
  }
  if (p >= b.length || (b[p] === 0x0d && p + 1 >= b.length)) return 'more';
  if (b[p] === 0x0a) return p + 1;
  return b[p] === 0x0d && b[p + 1] === 0x0a ? p + 2 : 'no';
}

/** Value bounds of the header found by findHeader(). */
export const headerSpan = { start: 0, end: 0 };

/** Finds header `name` (lower case, with the colon) in the header block starting at `p`. Returns true with the
 *  value's bounds in `headerSpan`, false when the block ended (or grew too long) without it, 'more' when
 *  the block is incomplete. */
export function findHeader(b: Uint8Array, p: number, name: string): boolean | 'more' {
  const limit = Math.min(b.length, MAX_HEAD);
  while (p < limit) {
    const e = lineEnd(b, p, limit - p);
    if (e < 0) return b.length >= MAX_HEAD ? false : 'more';
    if (e === p) return false; // empty line: end of the header section
    if (matchAsciiCI(b, p, name)) {
      let s = p + name.length;
      let t = e;
      while (s < t && (b[s] === 0x20 || b[s] === 0x09)) s++;
      while (t > s && (b[t - 1] === 0x20 || b[t - 1] === 0x09)) t--;
      headerSpan.start = s;
      headerSpan.end = t;
      return true;
    }
    p = e + (b[e] === 0x0d ? 2 : 1);
  }
  return b.length >= MAX_HEAD ? false : 'more';
}

/** Host of an authority `host[:port]` or `[v6]:port` in b[s, e), without the port. */
export function authorityHost(b: Uint8Array, s: number, e: number): string | null {
  if (s < e && b[s] === 0x5b) {
    for (let i = s + 1; i < e; i++) if (b[i] === 0x5d) return hostName(b, s + 1, i);
    return null;
  }
  for (let i = s; i < e; i++) if (b[i] === 0x3a) return hostName(b, s, i);
  return hostName(b, s, e);
}

/** Request line plus Host header of an HTTP/1.x request at the start of `b`. */
export function parseHttpRequest(b: Uint8Array): HttpRequestInfo | Verdict {
  const m = httpMethodLength(b);
  if (m === 0) {
    // RFC 9113 §3.4: the HTTP/2 prior-knowledge connection preface.
    if (b.length >= H2_PREFACE.length) return matchAscii(b, 0, H2_PREFACE) ? { host: null } : 'no';
    return b.length >= 4 && isH2Prefix(b) ? 'more' : 'no';
  }
  const headers = requestLine(b, m, 'HTTP/1.');
  if (typeof headers !== 'number') return headers;
  // HTTP/0.9 has no headers, so no Host.
  if (simpleRequest) return { host: null };
  const tS = targetStart;
  const tE = targetEnd;
  const found = findHeader(b, headers, 'host:');
  if (found === 'more') return 'more';
  if (found) return { host: authorityHost(b, headerSpan.start, headerSpan.end) };
  // No Host: fall back to an absolute-form target (RFC 9112 §3.2.2) or CONNECT's authority-form (§3.2.3).
  if (matchAsciiCI(b, tS, 'http://') || matchAsciiCI(b, tS, 'https://')) {
    let s = tS + (b[tS + 4] === 0x3a ? 7 : 8);
    let e = s;
    while (e < tE && b[e] !== 0x2f && b[e] !== 0x3f && b[e] !== 0x23) e++;
    for (let i = s; i < e; i++) if (b[i] === 0x40) s = i + 1; // userinfo@
    return { host: authorityHost(b, s, e) };
  }
  if (m === 7 && b[0] === 0x43) return { host: authorityHost(b, tS, tE) };
  return { host: null };
}

function isH2Prefix(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== H2_PREFACE.charCodeAt(i)) return false;
  return true;
}

/** True when `b` starts with a complete, valid HTTP/1.x request line (the header section may be incomplete). */
export function httpRequestLineComplete(b: Uint8Array): boolean {
  const m = httpMethodLength(b);
  return m > 0 && typeof requestLine(b, m, 'HTTP/1.') === 'number';
}

/** RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; HTTP/1.0 and HTTP/1.1 only. */
export function isHttpResponse(b: Uint8Array): boolean {
  if (b.length < 13 || !matchAscii(b, 0, 'HTTP/1.') || (b[7] !== 0x30 && b[7] !== 0x31) || b[8] !== 0x20) {
    return false;
  }
  return isDigit(b[9]) && isDigit(b[10]) && isDigit(b[11]) && (b[12] === 0x20 || b[12] === 0x0d);
}

/** SSDP (HTTPU): 'M-SEARCH * HTTP/1.1' or 'NOTIFY * HTTP/1.1' request lines. */
export function isSsdpRequest(b: Uint8Array): boolean {
  let m = 0;
  if (matchAscii(b, 0, 'M-SEARCH * ')) m = 8;
  else if (matchAscii(b, 0, 'NOTIFY * ')) m = 6;
  else return false;
  return typeof requestLine(b, m, 'HTTP/1.') === 'number';
}
