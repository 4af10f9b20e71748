// Payload builders for the app-labelling tests.

import { createCipheriv } from 'node:crypto';
import { AppInspector, type AppResult } from '../../src/app/inspector.ts';
import { deriveInitialKeys, headerProtectionMask, packetNonce, QUIC_V2 } from '../../src/app/quic-crypto.ts';

export {
  ascii,
  be16,
  be24,
  type ClientHelloOptions,
  clientHello,
  dnsHeader,
  dnsName,
  dnsPtr,
  dnsQuery,
  dnsRR,
  hex,
  join as concat,
  serverHello,
  split,
  tlsRecords,
} from '../../src/testing/payloads.ts';

import { join as concat } from '../../src/testing/payloads.ts';

// ---------------------------------------------------------------- DTLS

/**
 * A DTLS handshake record carrying a handshake message given in TLS form (4-byte header): as one
 * fragment, or only its first `fragment` bytes of body.
 */
export function dtlsRecord(
  message: Uint8Array,
  o: { version?: number; epoch?: number; fragment?: number; fragmentOffset?: number } = {},
): Uint8Array {
  const body = message.subarray(4);
  const take = Math.min(o.fragment ?? body.length, body.length);
  const be = (v: number, n: number) => Array.from({ length: n }, (_, i) => (v >>> (8 * (n - 1 - i))) & 0xff);
  const handshake = concat(
    [message[0]],
    message.subarray(1, 4),
    [0, 0],
    be(o.fragmentOffset ?? 0, 3),
    be(take, 3),
    body.subarray(0, take),
  );
  return concat(
    [22],
    be(o.version ?? 0xfefd, 2),
    be(o.epoch ?? 0, 2),
    new Uint8Array(6),
    be(handshake.length, 2),
    handshake,
  );
}

// ---------------------------------------------------------------- Google QUIC, legacy header

export interface GquicPacketOptions {
  /** Public flags (default 0x09: version, 8-byte connection ID, 1-byte packet number). */
  flags?: number;
  /** Connection ID length (default 8). */
  cidLength?: number;
  /** Version tag (default 'Q035'). */
  version?: string;
  /** Bytes between the packet number and the CHLO (default: a 12-byte message hash and a STREAM frame header). */
  beforeChlo?: Uint8Array;
  /** The CHLO's entries in order, tags of up to 4 characters (default: PAD, SNI, VER). */
  tags?: [string, Uint8Array | string][];
  /** Cut the packet to this many bytes. */
  cutTo?: number;
}

/** A client's first gQUIC packet with a cleartext CHLO (QUIC Crypto's handshake message format). */
export function gquicClientPacket(o: GquicPacketOptions = {}): Uint8Array {
  const tags = o.tags ?? [
    ['PAD', '-'.repeat(100)],
    ['SNI', 'pagead2.googlesyndication.com'],
    ['VER', 'Q035'],
  ];
  const values = tags.map(([, v]) => (typeof v === 'string' ? new TextEncoder().encode(v) : v));
  const le = (v: number, n: number) => Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 0xff);
  let end = 0;
  const entries = tags.flatMap(([tag], i) => {
    end += values[i].length;
    return [...Array.from({ length: 4 }, (_, k) => tag.charCodeAt(k) || 0), ...le(end, 4)];
  });
  const chlo = concat([0x43, 0x48, 0x4c, 0x4f], le(tags.length, 2), [0, 0], entries, ...values);
  const packet = concat(
    [o.flags ?? 0x09],
    new Uint8Array(o.cidLength ?? 8).fill(0x5a),
    Array.from(o.version ?? 'Q035', (c) => c.charCodeAt(0)),
    [1],
    o.beforeChlo ?? concat(new Uint8Array(12).fill(0xa7), [0xa0, 0x01], le(chlo.length, 2)),
    chlo,
  );
  return o.cutTo === undefined ? packet : packet.subarray(0, o.cutTo);
}

// ---------------------------------------------------------------- QUIC

export function varint(v: number): number[] {
  if (v < 0x40) return [v];
  if (v < 0x4000) return [0x40 | (v >> 8), v & 0xff];
  return [0x80 | ((v >> 24) & 0x3f), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

export function cryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  return concat([0x06], varint(offset), varint(data.length), data);
}

export interface InitialOptions {
  version?: number;
  dcid: Uint8Array;
  scid?: Uint8Array;
  pn: number;
  frames: Uint8Array;
  /** Pad the payload with PADDING frames so that the packet has this many bytes. */
  padTo?: number;
  token?: Uint8Array;
}

/** A protected client Initial packet (RFC 9001 §5): AES-128-GCM payload, then header protection. */
export function protectedInitial(o: InitialOptions): Uint8Array {
  const version = o.version ?? 1;
  const keys = deriveInitialKeys(version, o.dcid, 'client');
  if (keys === null) throw new Error('no keys for version');
  const scid = o.scid ?? new Uint8Array(0);
  const token = o.token ?? new Uint8Array(0);
  const pnBytes = [(o.pn >> 24) & 0xff, (o.pn >> 16) & 0xff, (o.pn >> 8) & 0xff, o.pn & 0xff];
  const typeBits = version === QUIC_V2 ? 1 : 0;
  const first = 0xc0 | (typeBits << 4) | 0x03; // 4-byte packet number
  const headerWithoutLength = concat(
    [first],
    [(version >>> 24) & 0xff, (version >>> 16) & 0xff, (version >>> 8) & 0xff, version & 0xff],
    [o.dcid.length],
    o.dcid,
    [scid.length],
    scid,
    varint(token.length),
    token,
  );
  let payload = o.frames;
  if (o.padTo !== undefined) {
    const overhead = headerWithoutLength.length + 2 + 4 + 16;
    const pad = o.padTo - overhead - payload.length;
    if (pad > 0) payload = concat(payload, new Uint8Array(pad));
  }
  const length = 4 + payload.length + 16;
  const lengthField = [0x40 | (length >> 8), length & 0xff];
  const header = concat(headerWithoutLength, lengthField, pnBytes);
  const c = createCipheriv('aes-128-gcm', keys.key, packetNonce(keys.iv, o.pn));
  c.setAAD(header);
  const ct = concat(c.update(payload), c.final(), c.getAuthTag());
  const packet = concat(header, ct);
  const pnOffset = headerWithoutLength.length + 2;
  const mask = headerProtectionMask(keys.hp, packet.subarray(pnOffset + 4, pnOffset + 20));
  packet[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < 4; i++) packet[pnOffset + i] ^= mask[1 + i];
  return packet;
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function randomBytes(next: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

// ---------------------------------------------------------------- inspector driver

export const TCP = 6;
export const UDP = 17;

export interface Run {
  result: AppResult;
  /** 1-based index of the push that returned true, or -1 if never finished. */
  finishedAt: number;
}

/** Pushes payloads (true = from client) until the inspector finishes. */
export function inspect(
  proto: number,
  clientPort: number,
  serverPort: number,
  packets: [Uint8Array, boolean][],
): Run {
  const ins = new AppInspector(proto, clientPort, serverPort);
  for (let i = 0; i < packets.length; i++) {
    if (ins.push(packets[i][0], packets[i][1])) return { result: ins.result, finishedAt: i + 1 };
  }
  return { result: ins.result, finishedAt: -1 };
}
