// Google QUIC with the legacy public header (versions Q0xx before Q046: Chromium's "QUIC Wire Layout
// Specification" and "QUIC Crypto"). A client's first packet carries its version in clear and, in a
// cleartext CHLO handshake message, the server's name under the tag SNI. Google versions from Q046
// on use the IETF invariant header and are read by quic.ts.

import { hostName, u32 } from './bytes.ts';

export interface GquicHello {
  /** The version tag as a 32-bit number ('Q035' is 0x51303335). */
  version: number;
  serverName: string | null;
}

/** Public flags: PUBLIC_FLAG_VERSION 0x01, PUBLIC_FLAG_RESET 0x02, reserved 0x80 (and 0x40, multipath). */
const FLAG_VERSION = 0x01;
const FLAGS_CHECKED = 0xc3;
/** Packet number length, flags 0x30: 1, 2, 4 or 6 bytes. */
const PN_LENGTHS = [1, 2, 4, 6];
/** 'CHLO' and 'SNI\0' as big-endian words. */
const TAG_CHLO = 0x43484c4f;
const TAG_SNI = 0x534e4900;
/** How far after the packet number the CHLO may start (message hash, private flags, frame header). */
const CHLO_SEARCH = 64;
/** More tag/value pairs than a CHLO has (Chromium sends ~25): past it the message is not one. */
const MAX_ENTRIES = 128;

/** Whether the first bytes of a UDP payload may be a gQUIC client packet with its version. */
export function mayBeGquicClient(d: Uint8Array): boolean {
  return d.length >= 14 && (d[0] & FLAGS_CHECKED) === FLAG_VERSION;
}

/**
 * Reads a client's gQUIC packet that carries its version: the version, and the CHLO's server name
 * when the packet holds a readable one. Null when it is no such packet.
 */
export function parseGquicClientPacket(d: Uint8Array): GquicHello | null {
  if (!mayBeGquicClient(d)) return null;
  const flags = d[0];
  // Connection ID length. Before Q033 the flags 0x0c gave it (0, 1, 4 or 8 bytes); since, 0x08
  // means 8 bytes and 0x04 a diversification nonce, which only servers send. So 0x0c is 8 bytes,
  // 0x04 1 byte, and 0x08 either 8 or 4: the version tag's place tells which.
  const idBits = flags & 0x0c;
  const candidates = idBits === 0x0c ? [8] : idBits === 0x08 ? [8, 4] : idBits === 0x04 ? [1] : [0];
  for (const idLen of candidates) {
    const at = 1 + idLen;
    if (at + 4 > d.length || !isLegacyVersionTag(d, at)) continue;
    const version = u32(d, at);
    const payload = at + 4 + PN_LENGTHS[(flags >> 4) & 0x03];
    return { version, serverName: chloServerName(d, payload) };
  }
  return null;
}

/** 'Q' and three digits below 046 (from Q046 the header is the IETF one). */
function isLegacyVersionTag(d: Uint8Array, at: number): boolean {
  if (d[at] !== 0x51) return false;
  for (let i = 1; i < 4; i++) if (d[at + i] < 0x30 || d[at + i] > 0x39) return false;
  return (d[at + 1] - 0x30) * 100 + (d[at + 2] - 0x30) * 10 + (d[at + 3] - 0x30) < 46;
}

/**
 * The SNI of a CHLO that starts within CHLO_SEARCH bytes of `from`. QUIC Crypto, "Handshake
 * message format": the tag, uint16 number of entries, two bytes of padding, then per entry a tag
 * and the uint32 end offset of its value (little-endian, ascending), then the values. The frame
 * before it is not parsed: its layout changed between versions (private flags, byte order).
 */
function chloServerName(d: Uint8Array, from: number): string | null {
  const last = Math.min(from + CHLO_SEARCH, d.length - 8);
  for (let c = from; c <= last; c++) {
    if (d[c] !== 0x43 || u32(d, c) !== TAG_CHLO) continue;
    const entries = d[c + 4] | (d[c + 5] << 8);
    if (entries === 0 || entries > MAX_ENTRIES) return null;
    const values = c + 8 + 8 * entries;
    if (values > d.length) return null;
    let start = 0;
    for (let e = c + 8; e < values; e += 8) {
      const end = (d[e + 4] | (d[e + 5] << 8) | (d[e + 6] << 16) | (d[e + 7] << 24)) >>> 0;
      if (end < start) return null;
      if (u32(d, e) === TAG_SNI) {
        return values + end <= d.length ? hostName(d, values + start, values + end) : null;
      }
      start = end;
    }
    return null;
  }
  return null;
}
