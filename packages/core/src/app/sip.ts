// SIP request and response recognition (RFC 3261 §7.1, §7.2) over UDP or TCP.

import { hostName, isAlpha, isDigit, matchAscii, matchAsciiCI } from './bytes.ts';
import { requestLine, type Verdict } from './http.ts';

export interface SipRequestInfo {
  /** Host part of the Request-URI (no user, port or parameters), lower case. */
  host: string | null;
}

/** RFC 3261 §7.1 methods plus the common extensions (PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER,
 *  MESSAGE, UPDATE). Returns the method length when `b` starts with one followed by SP. */
function sipMethodLength(b: Uint8Array): number {
  if (b.length < 4 || !isAlpha(b[0])) return 0;
  let n = 0;
  switch (b[0]) {
    case 0x49: // I
      n = matchAscii(b, 0, 'INVITE') ? 6 : matchAscii(b, 0, 'INFO') ? 4 : 0;
      break;
    case 0x41: // A
      n = matchAscii(b, 0, 'ACK') ? 3 : 0;
      break;
    case 0x42: // B
      n = matchAscii(b, 0, 'BYE') ? 3 : 0;
      break;
    case 0x43: // C
      n = matchAscii(b, 0, 'CANCEL') ? 6 : 0;
      break;
    case 0x52: // R
      n = matchAscii(b, 0, 'REGISTER') ? 8 : matchAscii(b, 0, 'REFER') ? 5 : 0;
      break;
    case 0x4f: // O
      n = matchAscii(b, 0, 'OPTIONS') ? 7 : 0;
      break;
    case 0x50: // P
      n = matchAscii(b, 0, 'PRACK') ? 5 : matchAscii(b, 0, 'PUBLISH') ? 7 : 0;
      break;
    case 0x53: // S
      n = matchAscii(b, 0, 'SUBSCRIBE') ? 9 : 0;
      break;
    case 0x4e: // N
      n = matchAscii(b, 0, 'NOTIFY') ? 6 : 0;
      break;
    case 0x4d: // M
      n = matchAscii(b, 0, 'MESSAGE') ? 7 : 0;
      break;
    case 0x55: // U
      n = matchAscii(b, 0, 'UPDATE') ? 6 : 0;
      break;
  }
  return n > 0 && b.length > n && b[n] === 0x20 ? n : 0;
}

/**
 * RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF, with a sip:, sips: or tel: URI.
 * §19.1.1: sip:user:password@host:port;uri-parameters?headers.
 */
export function parseSipRequest(b: Uint8Array): SipRequestInfo | Verdict {
  const m = sipMethodLength(b);
  if (m === 0) return 'no';
  const u = m + 1;
  const sips = matchAsciiCI(b, u, 'sips:');
  const sip = sips || matchAsciiCI(b, u, 'sip:');
  if (!sip && !matchAsciiCI(b, u, 'tel:')) {
    // Too short to tell: more bytes are worth waiting for only if they could still spell a SIP URI scheme.
    return b.length < u + 5 && (prefixOf(b, u, 'sips:') || prefixOf(b, u, 'tel:')) ? 'more' : 'no';
  }
  const end = requestLine(b, m, 'SIP/2.0');
  if (typeof end !== 'number') return end;
  if (!sip) return { host: null };
  let s = u + (sips ? 5 : 4);
  let e = s;
  while (e < b.length && b[e] !== 0x20 && b[e] !== 0x3b && b[e] !== 0x3f) e++;
  for (let i = s; i < e; i++) if (b[i] === 0x40) s = i + 1; // userinfo@
  if (s < e && b[s] === 0x5b) {
    for (let i = s + 1; i < e; i++) if (b[i] === 0x5d) return { host: hostName(b, s + 1, i) };
    return { host: null };
  }
  for (let i = s; i < e; i++) {
    if (b[i] === 0x3a) {
      e = i;
      break;
    }
  }
  return { host: hostName(b, s, e) };
}

/** True when b[from, b.length) is a (case-insensitive) prefix of `lit` (lower case). */
function prefixOf(b: Uint8Array, from: number, lit: string): boolean {
  for (let i = from; i < b.length; i++) {
    if (i - from >= lit.length || (b[i] | 0x20) !== lit.charCodeAt(i - from)) return false;
  }
  return true;
}

/** RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF. */
export function isSipResponse(b: Uint8Array): boolean {
  return (
    b.length >= 13 &&
    matchAscii(b, 0, 'SIP/2.0 ') &&
    isDigit(b[8]) &&
    isDigit(b[9]) &&
    isDigit(b[10]) &&
    b[11] === 0x20
  );
}
