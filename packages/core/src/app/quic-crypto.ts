// QUIC Initial packet protection (RFC 9001 §5, RFC 9369 §3.3): key derivation from the client's Destination
// Connection ID (HMAC-SHA-256 from sha256.ts: cheaper than node:crypto's per-call setup for these short inputs),
// header protection removal (one AES block, aes-block.ts) and AEAD_AES_128_GCM decryption with node:crypto.

import { createDecipheriv } from 'node:crypto';
import { aes128EncryptBlock } from './aes-block.ts';
import { type HmacKey, hmacKey, hmacSha256 } from './sha256.ts';

export interface InitialKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

// The salts as HMAC keys, hashed into their pad states once.
/** RFC 9001 §5.2: initial_salt = 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a */
const SALT_V1 = hmacKey(Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'));
/** RFC 9369 §3.3.1: "The salt used to derive Initial keys ... is 0x0dede3def700a6db819381be6e269dcbf9bd2ed9" */
const SALT_V2 = hmacKey(Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'));
/** draft-ietf-quic-tls-29 §5.2 (also used by drafts 30-34). */
const SALT_DRAFT_29 = hmacKey(Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex'));
/** draft-ietf-quic-tls-23 §5.2 (drafts 23-28). */
const SALT_DRAFT_23 = hmacKey(Buffer.from('c3eef712c72ebb5a11a7d2432bb46365bef9f502', 'hex'));

/** Initial salt for the versions whose Initial packets can be decrypted, else null. */
function initialSalt(version: number): HmacKey | null {
  if (version === QUIC_V1) return SALT_V1;
  if (version === QUIC_V2) return SALT_V2;
  if (version >= 0xff00001d && version <= 0xff000022) return SALT_DRAFT_29;
  if (version >= 0xff000017 && version <= 0xff00001c) return SALT_DRAFT_23;
  return null;
}

export function canDecryptInitial(version: number): boolean {
  return initialSalt(version) !== null;
}

/** HKDF-Extract (RFC 5869 §2.2) with SHA-256: PRK = HMAC-Hash(salt, IKM). */
function hkdfExtract(salt: HmacKey, ikm: Uint8Array): Buffer {
  return hmacSha256(salt, ikm);
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for lengths up to one SHA-256 block:
 * HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + Label || opaque context<0..255>;
 * RFC 5869 §2.3: T(1) = HMAC-Hash(PRK, info | 0x01).
 */
function hkdfExpandLabel(secret: HmacKey, info: ExpandInfo): Buffer {
  return hmacSha256(secret, info.bytes).subarray(0, info.length);
}

interface ExpandInfo {
  length: number;
  /** HkdfLabel || 0x01. */
  bytes: Buffer;
}

function expandInfo(label: string, length: number): ExpandInfo {
  const full = `tls13 ${label}`;
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  info.write(full, 3, 'latin1');
  info[3 + full.length] = 0; // empty context
  info[4 + full.length] = 0x01; // counter of T(1)
  return { length, bytes: info };
}

// The HkdfLabel encodings are built once, not per QUIC connection.
const CLIENT_IN = expandInfo('client in', 32);
const SERVER_IN = expandInfo('server in', 32);
const PACKET_INFOS = ['quic ', 'quicv2 '].map((prefix) => ({
  key: expandInfo(`${prefix}key`, 16),
  iv: expandInfo(`${prefix}iv`, 12),
  hp: expandInfo(`${prefix}hp`, 16),
}));

/**
 * RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id);
 * client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", Hash.length) (and "server in").
 * §5.1: key, iv and hp come from "quic key" (16), "quic iv" (12), "quic hp" (16); RFC 9369 §3.3.2 renames them
 * "quicv2 key", "quicv2 iv", "quicv2 hp" for version 2. Returns null for versions without a known salt.
 */
export function deriveInitialKeys(
  version: number,
  dcid: Uint8Array,
  side: 'client' | 'server',
): InitialKeys | null {
  const salt = initialSalt(version);
  if (salt === null) return null;
  const initial = hkdfExtract(salt, dcid);
  const secret = hmacKey(hkdfExpandLabel(hmacKey(initial), side === 'client' ? CLIENT_IN : SERVER_IN));
  const infos = PACKET_INFOS[version === QUIC_V2 ? 1 : 0];
  return {
    key: hkdfExpandLabel(secret, infos.key),
    iv: hkdfExpandLabel(secret, infos.iv),
    hp: hkdfExpandLabel(secret, infos.hp),
  };
}

/**
 * RFC 9001 §5.4.3: mask = AES-ECB(hp_key, sample), for a 16-byte sample. One block: encrypted in
 * JavaScript (aes-block.ts), without a node:crypto cipher object per connection.
 */
export function headerProtectionMask(hp: Buffer, sample: Uint8Array): Uint8Array {
  return aes128EncryptBlock(hp, sample);
}

/**
 * RFC 9001 §5.3: "The 62 bits of the reconstructed QUIC packet number in network byte order are left-padded
 * with zeros to the size of the IV. The exclusive OR of the padded packet number and the IV forms the AEAD nonce."
 */
export function packetNonce(iv: Buffer, pn: number): Buffer {
  const nonce = Buffer.from(iv);
  let v = pn;
  for (let i = nonce.length - 1; i >= nonce.length - 6 && v > 0; i--) {
    nonce[i] ^= v % 256;
    v = Math.floor(v / 256);
  }
  return nonce;
}

/** AEAD_AES_128_GCM open; returns null when authentication fails. */
export function aeadOpen(
  keys: InitialKeys,
  pn: number,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Buffer | null {
  try {
    const d = createDecipheriv('aes-128-gcm', keys.key, packetNonce(keys.iv, pn));
    d.setAAD(aad);
    d.setAuthTag(tag);
    const head = d.update(ciphertext);
    const tail = d.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return null;
  }
}
