// DTLS handshakes in the clear (RFC 6347 §4.1-4.2 for 1.0 and 1.2; RFC 9147 keeps the same record and
// handshake headers for the hellos of 1.3): WebRTC's media keys, VPNs (OpenConnect, AnyConnect), CoAP.
// A flow's first datagram from either side is a handshake record of epoch 0 carrying the start of a
// ClientHello, ServerHello or HelloVerifyRequest.

import { u16, u24 } from './bytes.ts';
import { type HelloInfo, parseClientHello, parseServerHello } from './tls.ts';

const CONTENT_HANDSHAKE = 22;
const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const HELLO_VERIFY_REQUEST = 3;

export interface DtlsHello {
  /** The handshake message's type: 1 ClientHello, 2 ServerHello, 3 HelloVerifyRequest. */
  type: number;
  /** Name, ALPN and version of a ClientHello or ServerHello; null for a HelloVerifyRequest. */
  hello: HelloInfo | null;
}

/** Record version 0xfeff (1.0), 0xfefd (1.2, also 1.3's plaintext records) or 0xfefc. */
function isDtlsVersion(v: number): boolean {
  return v === 0xfeff || v === 0xfefd || v === 0xfefc;
}

/**
 * The hello at the start of a datagram, when it is a DTLS handshake record of epoch 0 holding the
 * first fragment of a ClientHello, ServerHello or HelloVerifyRequest that parses; else null.
 */
export function parseDtlsHello(d: Uint8Array): DtlsHello | null {
  // Record: type, version, epoch(2), sequence_number(6), length(2).
  if (d.length < RECORD_HEADER + HANDSHAKE_HEADER || d[0] !== CONTENT_HANDSHAKE) return null;
  if (!isDtlsVersion(u16(d, 1)) || u16(d, 3) !== 0) return null;
  const recordEnd = RECORD_HEADER + u16(d, 11);
  if (recordEnd > d.length || recordEnd < RECORD_HEADER + HANDSHAKE_HEADER) return null;
  // Handshake: msg_type, length(3), message_seq(2), fragment_offset(3), fragment_length(3).
  const h = RECORD_HEADER;
  const type = d[h];
  const length = u24(d, h + 1);
  const fragmentLength = u24(d, h + 9);
  const body = h + HANDSHAKE_HEADER;
  if (u24(d, h + 6) !== 0 || fragmentLength > length || body + fragmentLength > recordEnd) return null;
  if (type === HELLO_VERIFY_REQUEST) {
    // server_version, cookie<0..2^8-1>, and nothing after it.
    const whole = fragmentLength === length && length >= 3;
    return whole && isDtlsVersion(u16(d, body)) && 3 + d[body + 2] === length ? { type, hello: null } : null;
  }
  if (type !== CLIENT_HELLO && type !== SERVER_HELLO) return null;
  // As a TLS handshake message (4-byte header) for the TLS parsers; a first fragment is read as far as it goes.
  const m = new Uint8Array(4 + fragmentLength);
  m[0] = type;
  m[1] = length >>> 16;
  m[2] = length >>> 8;
  m[3] = length;
  m.set(d.subarray(body, body + fragmentLength), 4);
  const hello =
    type === CLIENT_HELLO
      ? parseClientHello(m, fragmentLength < length, true)
      : fragmentLength === length
        ? parseServerHello(m)
        : null;
  return hello === null ? null : { type, hello };
}
