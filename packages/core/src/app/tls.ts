// TLS handshake parsing (RFC 8446 §4, RFC 5246 §7.4): ClientHello and ServerHello, their server_name
// (RFC 6066 §3), ALPN (RFC 7301 §3.1) and supported_versions (RFC 8446 §4.2.1) extensions, and reassembly of a
// handshake message from TLS records. Shared with QUIC, whose CRYPTO frames carry the same handshake messages.

import { asciiEscaped, hostName, u16, u24 } from './bytes.ts';

export interface HelloInfo {
  serverName: string | null;
  alpn: string[] | null;
  /** '1.0' .. '1.3' ('ssl3' for SSL 3.0). */
  version: string | null;
}

export const HANDSHAKE_CLIENT_HELLO = 1;
export const HANDSHAKE_SERVER_HELLO = 2;
const CONTENT_HANDSHAKE = 22;

const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

/** RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes"; RFC 5246 §6.2.3 allows 2^14 + 2048 for ciphertext. */
const MAX_RECORD = 16384 + 2048;
/** Hellos larger than this are not plausible (post-quantum ClientHellos are about 1.8 KB). */
export const MAX_HELLO = 32768;
const MAX_ALPN = 16;

/** RFC 8701 §2: GREASE values are {0x0A0A, 0x1A1A, ..., 0xFAFA}: both bytes equal, low nibble 0xA. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

export function tlsVersionName(v: number): string | null {
  switch (v) {
    case 0x0300:
      return 'ssl3';
    case 0x0301:
      return '1.0';
    case 0x0302:
      return '1.1';
    case 0x0303:
      return '1.2';
    case 0x0304:
      return '1.3';
    // DTLS (RFC 6347 §4.1, RFC 9147 §5.3): the ones' complement of its version, 1.1 skipped.
    case 0xfeff:
      return '1.0';
    case 0xfefd:
      return '1.2';
    case 0xfefc:
      return '1.3';
  }
  // Draft versions of TLS 1.3 were 0x7f00 | draft number.
  return v >> 8 === 0x7f ? '1.3' : null;
}

/** Ordering key for versions in supported_versions: drafts of 1.3 sort just below 1.3; unknown values are -1. */
function versionRank(v: number): number {
  if (v >= 0x0300 && v <= 0x0304) return v * 2;
  if (v >> 8 === 0x7f) return 0x0304 * 2 - 1;
  // DTLS counts down: 0xfeff (1.0), 0xfefd (1.2), 0xfefc (1.3).
  if (v >= 0xfefc && v <= 0xfeff) return 0xffff - v;
  return -1;
}

/** True when a TLS record header starting a handshake can begin here (first 3 bytes only). */
export function startsTlsHandshakeRecord(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === CONTENT_HANDSHAKE && b[1] === 3 && b[2] <= 4;
}

export interface HandshakeCollect {
  /** 'ok': `msg` is the complete first handshake message (4-byte header included). 'partial': `msg` holds the
   *  handshake bytes available so far (or null). 'invalid': not a TLS handshake stream. */
  status: 'ok' | 'partial' | 'invalid';
  msg: Uint8Array | null;
}

const INVALID: HandshakeCollect = { status: 'invalid', msg: null };
const PARTIAL_EMPTY: HandshakeCollect = { status: 'partial', msg: null };

/**
 * Extracts the first handshake message from the TLS record stream `s` (which starts at a record boundary).
 * Zero-copy when the message sits in the first record; fragments spread over several records are copied into
 * one buffer. RFC 8446 §5.1: "Handshake messages MAY be coalesced into a single TLSPlaintext record or
 * fragmented across several records", so the message header itself may be split.
 */
export function collectHandshake(s: Uint8Array, expectedType: number): HandshakeCollect {
  const len = s.length;
  if (len < 3)
    return len === 0 || (s[0] === CONTENT_HANDSHAKE && (len < 2 || s[1] === 3)) ? PARTIAL_EMPTY : INVALID;
  if (len < 5) return startsTlsHandshakeRecord(s) ? PARTIAL_EMPTY : INVALID;
  // Pass 1: validate the record headers present and count the handshake bytes.
  let p = 0;
  let have = 0;
  let need = -1;
  while (p + 5 <= len && (need < 0 || have < need)) {
    // A record of another content type before the message is complete: not a handshake we can use.
    if (s[p] !== CONTENT_HANDSHAKE || s[p + 1] !== 3 || s[p + 2] > 4) return INVALID;
    const rlen = u16(s, p + 3);
    if (rlen === 0 || rlen > MAX_RECORD) return INVALID;
    const fragStart = p + 5;
    const fragEnd = Math.min(fragStart + rlen, len);
    if (p === 0 && fragEnd > fragStart && s[fragStart] !== expectedType) return INVALID;
    if (p === 0 && fragEnd - fragStart >= 4) {
      need = 4 + u24(s, fragStart + 1);
      if (need > MAX_HELLO) return INVALID;
      // Common case: the whole message is in the first record.
      if (need <= fragEnd - fragStart) return { status: 'ok', msg: s.subarray(fragStart, fragStart + need) };
    }
    have += fragEnd - fragStart;
    p = fragStart + rlen;
  }
  if (p === 0) return INVALID;
  // Pass 2: copy the fragments into one buffer.
  const out = new Uint8Array(need >= 0 ? Math.min(have, need) : have);
  p = 0;
  let w = 0;
  while (w < out.length && p + 5 <= len) {
    const rlen = u16(s, p + 3);
    const take = Math.min(Math.min(p + 5 + rlen, len) - (p + 5), out.length - w);
    out.set(s.subarray(p + 5, p + 5 + take), w);
    w += take;
    p += 5 + rlen;
  }
  if (out.length >= 4) {
    need = 4 + u24(out, 1);
    if (need > MAX_HELLO) return INVALID;
    if (out.length >= need) return { status: 'ok', msg: out.length === need ? out : out.subarray(0, need) };
  }
  return { status: 'partial', msg: out };
}

/** Parses SNI, ALPN and supported_versions from a handshake message `m` of type ClientHello (header included).
 *  With `allowTruncated`, a message cut short keeps whatever was parsed before the cut; otherwise it is invalid.
 *  `dtls`: a DTLS ClientHello's body, which has a cookie after the session id (RFC 6347 §4.2.1); its 4-byte
 *  header is still the TLS one. Returns null when malformed. */
export function parseClientHello(m: Uint8Array, allowTruncated = false, dtls = false): HelloInfo | null {
  if (m.length < 4 || m[0] !== HANDSHAKE_CLIENT_HELLO) return null;
  const declaredEnd = 4 + u24(m, 1);
  const end = Math.min(declaredEnd, m.length);
  const truncated = end < declaredEnd;
  if (truncated && !allowTruncated) return null;
  // RFC 8446 §4.1.2: legacy_version(2) random(32) legacy_session_id<0..32> cipher_suites<2..2^16-2>
  // legacy_compression_methods<1..2^8-1> extensions<8..2^16-1>
  let p = 4;
  if (p + 35 > end) return null;
  const legacyVersion = u16(m, p);
  p += 34;
  const sidLen = m[p];
  if (sidLen > 32) return null;
  p += 1 + sidLen;
  if (dtls) {
    if (p + 1 > end) return null;
    p += 1 + m[p]; // cookie<0..2^8-1>
  }
  if (p + 2 > end) return null;
  const csLen = u16(m, p);
  if (csLen < 2 || (csLen & 1) !== 0) return null;
  p += 2 + csLen;
  if (p > end) return null;
  if (p + 1 > end) return truncated ? info(null, null, legacyVersion, -1) : null;
  const compLen = m[p];
  if (compLen < 1) return null;
  p += 1 + compLen;
  if (p > end) return truncated ? info(null, null, legacyVersion, -1) : null;
  // SSL 3.0 / TLS 1.0 ClientHellos may omit the extensions block.
  if (p === end && !truncated) return info(null, null, legacyVersion, -1);
  if (p + 2 > end) return truncated ? info(null, null, legacyVersion, -1) : null;
  const extEnd = p + 2 + u16(m, p);
  if (extEnd > declaredEnd) return null;
  p += 2;

  let serverName: string | null = null;
  let alpn: string[] | null = null;
  let best = -1;
  while (p + 4 <= extEnd) {
    const type = u16(m, p);
    const elen = u16(m, p + 2);
    const eStart = p + 4;
    const eEnd = eStart + elen;
    if (eEnd > extEnd) return null;
    if (eEnd > end) break; // truncated inside this extension
    if (type === EXT_SERVER_NAME) serverName = parseServerName(m, eStart, eEnd);
    else if (type === EXT_ALPN) alpn = parseAlpn(m, eStart, eEnd);
    else if (type === EXT_SUPPORTED_VERSIONS && elen >= 1) {
      // RFC 8446 §4.2.1: ClientHello carries "ProtocolVersion versions<2..254>" (1-byte length).
      const vEnd = Math.min(eStart + 1 + m[eStart], eEnd);
      for (let q = eStart + 1; q + 2 <= vEnd; q += 2) {
        const v = u16(m, q);
        if (!isGrease(v) && versionRank(v) > versionRank(best)) best = v;
      }
    }
    p = eEnd;
  }
  if (!truncated && p !== extEnd) return null;
  return info(serverName, alpn, legacyVersion, best);
}

/** Parses a ServerHello handshake message (header included): selected version and ALPN (TLS <= 1.2; 1.3 sends
 *  ALPN encrypted). Returns null when malformed. */
export function parseServerHello(m: Uint8Array): HelloInfo | null {
  if (m.length < 4 || m[0] !== HANDSHAKE_SERVER_HELLO) return null;
  const end = 4 + u24(m, 1);
  if (end > m.length) return null;
  // RFC 8446 §4.1.3: legacy_version(2) random(32) legacy_session_id_echo<0..32> cipher_suite(2)
  // legacy_compression_method(1) extensions<6..2^16-1>
  let p = 4;
  if (p + 35 > end) return null;
  const legacyVersion = u16(m, p);
  p += 34;
  const sidLen = m[p];
  if (sidLen > 32) return null;
  p += 1 + sidLen + 3;
  if (p > end) return null;
  if (p === end) return info(null, null, legacyVersion, -1);
  if (p + 2 > end) return null;
  const extEnd = p + 2 + u16(m, p);
  if (extEnd > end) return null;
  p += 2;
  let alpn: string[] | null = null;
  let selected = -1;
  while (p + 4 <= extEnd) {
    const type = u16(m, p);
    const eStart = p + 4;
    const eEnd = eStart + u16(m, p + 2);
    if (eEnd > extEnd) return null;
    // RFC 8446 §4.2.1: ServerHello carries "ProtocolVersion selected_version".
    if (type === EXT_SUPPORTED_VERSIONS && eEnd - eStart === 2) selected = u16(m, eStart);
    else if (type === EXT_ALPN) alpn = parseAlpn(m, eStart, eEnd);
    p = eEnd;
  }
  if (p !== extEnd) return null;
  return info(null, alpn, legacyVersion, selected);
}

function info(serverName: string | null, alpn: string[] | null, legacy: number, selected: number): HelloInfo {
  return { serverName, alpn, version: tlsVersionName(selected >= 0 ? selected : legacy) };
}

/** RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>; each entry NameType name_type (host_name = 0) and
 *  HostName opaque<1..2^16-1>. The first host_name is returned. */
function parseServerName(m: Uint8Array, start: number, end: number): string | null {
  if (start + 2 > end) return null;
  const listEnd = Math.min(start + 2 + u16(m, start), end);
  let p = start + 2;
  while (p + 3 <= listEnd) {
    const nameType = m[p];
    const nlen = u16(m, p + 1);
    const nEnd = p + 3 + nlen;
    if (nEnd > listEnd) return null;
    if (nameType === 0) return hostName(m, p + 3, nEnd);
    p = nEnd;
  }
  return null;
}

/** RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each ProtocolName opaque<1..2^8-1>. */
function parseAlpn(m: Uint8Array, start: number, end: number): string[] | null {
  if (start + 2 > end) return null;
  const listEnd = Math.min(start + 2 + u16(m, start), end);
  const out: string[] = [];
  let p = start + 2;
  while (p < listEnd && out.length < MAX_ALPN) {
    const n = m[p];
    if (n === 0 || p + 1 + n > listEnd) break;
    out.push(asciiEscaped(m, p + 1, p + 1 + n));
    p += 1 + n;
  }
  return out.length > 0 ? out : null;
}
