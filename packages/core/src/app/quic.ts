// QUIC long-header recognition (RFC 8999 invariants, RFC 9000 §17.2) and client Initial decryption to read the
// TLS ClientHello carried in CRYPTO frames (RFC 9000 §19.6), reassembled by offset across packets and datagrams.

import { u24, u32 } from './bytes.ts';
import {
  aeadOpen,
  canDecryptInitial,
  deriveInitialKeys,
  headerProtectionMask,
  type InitialKeys,
  QUIC_V1,
  QUIC_V2,
} from './quic-crypto.ts';
import { HANDSHAKE_CLIENT_HELLO, type HelloInfo, MAX_HELLO, parseClientHello } from './tls.ts';

/** RFC 9000 §17.2: "In QUIC version 1, this value MUST NOT exceed 20 bytes" (both connection ID lengths). */
const MAX_CID = 20;
/** RFC 9001 §5.4.2: the header protection sample is 16 bytes, taken 4 bytes after the Packet Number field start. */
const SAMPLE_LEN = 16;
const TAG_LEN = 16;
/** Bytes of CRYPTO stream kept per connection, and fragments tracked. */
const MAX_CRYPTO = MAX_HELLO;
const MAX_FRAGMENTS = 256;
/** Packets in one datagram examined (RFC 9000 §12.2 coalescing). */
const MAX_COALESCED = 8;

/** '1', '2', a Google version as its tag ('Q050', 'T051', 'Q035'), else hex ('0xff00001d'). */
export function quicVersionName(v: number): string {
  if (v === QUIC_V1) return '1';
  if (v === QUIC_V2) return '2';
  if (isGoogleVersion(v)) return String.fromCharCode(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/** Google's versions: ASCII 'Q' or 'T' then three digits. */
function isGoogleVersion(v: number): boolean {
  const c0 = v >>> 24;
  if (c0 !== 0x51 && c0 !== 0x54) return false;
  for (let s = 16; s >= 0; s -= 8) {
    const c = (v >>> s) & 0xff;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Versions labelled as QUIC: 1, 2 (RFC 9369), IETF drafts 0xff0000NN, Facebook mvfst 0xfaceb00N, and Google's
 * IETF-header versions 'Q050'/'T05x' style (ASCII 'Q' or 'T' then three digits).
 */
export function isKnownQuicVersion(v: number): boolean {
  if (v === QUIC_V1 || v === QUIC_V2) return true;
  if (v >>> 8 === 0xff0000) return (v & 0xff) >= 1 && (v & 0xff) <= 34;
  if (v >>> 4 === 0xfaceb00) return true;
  return isGoogleVersion(v);
}

/** RFC 9000 §17.2 Long Packet Type: v1 Initial 0, 0-RTT 1, Handshake 2, Retry 3; RFC 9369 §3.2: v2 Initial 1,
 *  0-RTT 2, Handshake 3, Retry 0. */
function isInitialType(version: number, type: number): boolean {
  return version === QUIC_V2 ? type === 1 : type === 0;
}
function isRetryType(version: number, type: number): boolean {
  return version === QUIC_V2 ? type === 0 : type === 3;
}

/** Length of the last varint read by readVarint. */
let varintLen = 0;

/** RFC 9000 §16: "the two most significant bits of the first byte encode the base-2 logarithm of the integer
 *  encoding length in bytes". Returns -1 when it does not fit before `end`. */
export function readVarint(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const n = 1 << (b[p] >> 6);
  if (p + n > end) return -1;
  varintLen = n;
  let v = b[p] & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[p + i];
  return v;
}

export const QUIC_NO = 0;
export const QUIC_YES = 1;
/** The ClientHello has been read. */
export const QUIC_HELLO = 2;

/** Per-connection state for labelling QUIC and reading the client's ClientHello. */
export class QuicInspector {
  version = -1;
  hello: HelloInfo | null = null;
  /** The CRYPTO stream did not start with a ClientHello, or the ClientHello was malformed. */
  helloInvalid = false;
  private keys: InitialKeys | null = null;
  private keysDcid: Uint8Array | null = null;
  private fragments: { offset: number; data: Uint8Array }[] = [];
  private cryptoBytes = 0;

  /** Offers one UDP datagram. Returns QUIC_NO, QUIC_YES (valid long header of a known version) or QUIC_HELLO. */
  push(d: Uint8Array, fromClient: boolean): number {
    let p = 0;
    let verdict = QUIC_NO;
    for (let n = 0; n < MAX_COALESCED && p + 7 <= d.length; n++) {
      const b0 = d[p];
      // RFC 9000 §17.2: Header Form (1) = 1, Fixed Bit (1) = 1. Short-header packets end the walk.
      if ((b0 & 0xc0) !== 0xc0) {
        // Version Negotiation (RFC 9000 §17.2.1) has version 0 and an unused (random) fixed bit.
        if ((b0 & 0x80) !== 0 && n === 0 && !fromClient && isVersionNegotiation(d)) return QUIC_YES;
        break;
      }
      const version = u32(d, p + 1);
      if (version === 0 && n === 0 && !fromClient) return isVersionNegotiation(d) ? QUIC_YES : QUIC_NO;
      if (!isKnownQuicVersion(version)) break;
      const dcidLen = d[p + 5];
      if (dcidLen > MAX_CID) break;
      const dcidStart = p + 6;
      let q = dcidStart + dcidLen;
      if (q >= d.length) break;
      const scidLen = d[q];
      if (scidLen > MAX_CID) break;
      q += 1 + scidLen;
      if (q > d.length) break;
      const type = (b0 >> 4) & 0x03;
      if (isRetryType(version, type)) {
        // A Retry has no Length field and takes the rest of the datagram: a token plus a 16-byte integrity tag.
        if (d.length - q < TAG_LEN) break;
        this.version = version;
        return QUIC_YES;
      }
      const initial = isInitialType(version, type);
      if (initial) {
        const tokenLen = readVarint(d, q, d.length);
        if (tokenLen < 0) break;
        q += varintLen + tokenLen;
      }
      const length = readVarint(d, q, d.length);
      if (length < 0) break;
      const pnOffset = q + varintLen;
      const packetEnd = pnOffset + length;
      // The packet must at least hold a 1-byte packet number and the AEAD tag, and fit the datagram.
      if (length < 1 + TAG_LEN || packetEnd > d.length) break;
      this.version = version;
      verdict = QUIC_YES;
      if (initial && fromClient && this.hello === null && !this.helloInvalid) {
        this.openInitial(d, p, pnOffset, packetEnd, d.subarray(dcidStart, dcidStart + dcidLen));
        if (this.hello !== null) return QUIC_HELLO;
      }
      p = packetEnd;
    }
    return verdict;
  }

  /** Parses the ClientHello from whatever CRYPTO data is contiguous from offset 0 (for giving up early). */
  partialHello(): HelloInfo | null {
    if (this.hello !== null) return this.hello;
    const buf = this.contiguous();
    return buf !== null && buf.length >= 4 ? parseClientHello(buf, true) : null;
  }

  private openInitial(d: Uint8Array, start: number, pnOffset: number, end: number, dcid: Uint8Array): void {
    if (!canDecryptInitial(this.version)) return;
    if (this.keys === null) {
      this.keys = deriveInitialKeys(this.version, dcid, 'client');
      this.keysDcid = dcid.slice();
    }
    const keys = this.keys;
    if (keys === null) return;
    let plain = unprotect(keys, d, start, pnOffset, end);
    // After a Retry the client uses a new Destination Connection ID and keys derived from it.
    if (plain === null && this.keysDcid !== null && !sameBytes(this.keysDcid, dcid)) {
      const retryKeys = deriveInitialKeys(this.version, dcid, 'client');
      plain = retryKeys === null ? null : unprotect(retryKeys, d, start, pnOffset, end);
      if (plain !== null) {
        this.keys = retryKeys;
        this.keysDcid = dcid.slice();
      }
    }
    if (plain !== null && this.readFrames(plain)) this.tryHello();
  }

  /** RFC 9000 §17.2 / §19: frames allowed in Initial packets are PADDING, PING, ACK, CRYPTO and
   *  CONNECTION_CLOSE. Returns true when a CRYPTO frame was added. */
  private readFrames(f: Uint8Array): boolean {
    let p = 0;
    let added = false;
    const end = f.length;
    while (p < end) {
      const type = f[p];
      if (type === 0x00 || type === 0x01) {
        p++; // PADDING, PING
      } else if (type === 0x02 || type === 0x03) {
        // ACK: Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges (Gap, Length),
        // and for 0x03 the three ECN counts.
        p++;
        let count = 0;
        for (let i = 0; i < 4; i++) {
          const v = readVarint(f, p, end);
          if (v < 0) return added;
          if (i === 2) count = v;
          p += varintLen;
        }
        if (count > (end - p) / 2) return added;
        const fields = count * 2 + (type === 0x03 ? 3 : 0);
        for (let i = 0; i < fields; i++) {
          if (readVarint(f, p, end) < 0) return added;
          p += varintLen;
        }
      } else if (type === 0x06) {
        // CRYPTO: Offset (i), Length (i), Crypto Data.
        const offset = readVarint(f, p + 1, end);
        if (offset < 0) return added;
        p += 1 + varintLen;
        const len = readVarint(f, p, end);
        if (len < 0 || p + varintLen + len > end) return added;
        p += varintLen;
        if (this.addCrypto(offset, f.subarray(p, p + len))) added = true;
        p += len;
      } else if (type === 0x1c) {
        // CONNECTION_CLOSE: Error Code, Frame Type, Reason Phrase Length, Reason Phrase.
        p++;
        for (let i = 0; i < 3; i++) {
          const v = readVarint(f, p, end);
          if (v < 0) return added;
          p += varintLen + (i === 2 ? v : 0);
        }
      } else {
        return added; // not allowed in Initial packets
      }
    }
    return added;
  }

  private addCrypto(offset: number, data: Uint8Array): boolean {
    if (data.length === 0 || offset + data.length > MAX_CRYPTO || this.fragments.length >= MAX_FRAGMENTS)
      return false;
    if (this.cryptoBytes + data.length > MAX_CRYPTO * 2) return false;
    this.fragments.push({ offset, data });
    this.cryptoBytes += data.length;
    return true;
  }

  /** The CRYPTO stream bytes contiguous from offset 0, or null. */
  private contiguous(): Uint8Array | null {
    const frags = this.fragments;
    if (frags.length === 0) return null;
    frags.sort((a, b) => a.offset - b.offset);
    if (frags[0].offset !== 0) return null;
    let reach = 0;
    for (const f of frags) {
      if (f.offset > reach) break;
      reach = Math.max(reach, f.offset + f.data.length);
    }
    if (frags[0].data.length >= reach) return frags[0].data;
    const out = new Uint8Array(reach);
    for (const f of frags) {
      if (f.offset >= reach) break;
      out.set(f.data.subarray(0, Math.min(f.data.length, reach - f.offset)), f.offset);
    }
    return out;
  }

  private tryHello(): void {
    const buf = this.contiguous();
    if (buf === null || buf.length < 4) return;
    if (buf[0] !== HANDSHAKE_CLIENT_HELLO) {
      this.helloInvalid = true;
      return;
    }
    const need = 4 + u24(buf, 1);
    if (need > MAX_CRYPTO) {
      this.helloInvalid = true;
      return;
    }
    if (buf.length < need) return;
    this.hello = parseClientHello(buf.subarray(0, need));
    if (this.hello === null) this.helloInvalid = true;
  }
}

/**
 * Removes header protection and decrypts one Initial packet d[start, end) whose Packet Number field starts at
 * `pnOffset`. RFC 9001 §5.4.1: "header[0] ^= mask[0] & 0x0f" for long headers, then the packet number bytes are
 * XORed with mask[1..]; the Packet Number Length is the two low bits of the unprotected first byte, plus one.
 */
function unprotect(
  keys: InitialKeys,
  d: Uint8Array,
  start: number,
  pnOffset: number,
  end: number,
): Buffer | null {
  // RFC 9001 §5.4.2: "sample_offset = pn_offset + 4".
  const sampleAt = pnOffset + 4;
  if (sampleAt + SAMPLE_LEN > end) return null;
  const mask = headerProtectionMask(keys.hp, d.subarray(sampleAt, sampleAt + SAMPLE_LEN));
  const first = d[start] ^ (mask[0] & 0x0f);
  const pnLen = (first & 0x03) + 1;
  const payloadStart = pnOffset + pnLen;
  if (payloadStart + TAG_LEN > end) return null;
  const aad = Buffer.from(d.subarray(start, payloadStart));
  aad[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const byte = d[pnOffset + i] ^ mask[1 + i];
    aad[pnOffset - start + i] = byte;
    pn = pn * 256 + byte;
  }
  return aeadOpen(keys, pn, aad, d.subarray(payloadStart, end - TAG_LEN), d.subarray(end - TAG_LEN, end));
}

/** RFC 9000 §17.2.1: Version (32) = 0, DCID, SCID, then a list of 32-bit Supported Versions. */
function isVersionNegotiation(d: Uint8Array): boolean {
  if (d.length < 7 || u32(d, 1) !== 0) return false;
  const dcidLen = d[5];
  if (6 + dcidLen >= d.length) return false;
  const q = 6 + dcidLen;
  const rest = d.length - (q + 1 + d[q]);
  return rest >= 4 && rest % 4 === 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
