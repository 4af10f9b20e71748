// Application payloads for the benchmark capture: real TLS ClientHello/ServerHello bytes, HTTP/1.1 requests
// and response heads, DNS messages, SSH banners and QUIC v1 Initial packets (really encrypted with the
// Initial keys, RFC 9001 §5, so a QUIC-aware reader can decrypt them and read the SNI). Written here rather
// than taken from packages/core so the capture does not depend on the code it benchmarks.
import { createCipheriv, createHmac } from 'node:crypto';
import type { Rng } from './rng.ts';

/** Append-only big-endian byte writer with length fields patched afterwards. */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 2048) {
    this.buf = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(x: number): this {
    this.room(1);
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  u16(x: number): this {
    this.room(2);
    this.buf[this.len++] = (x >>> 8) & 0xff;
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  u24(x: number): this {
    this.room(3);
    this.buf[this.len++] = (x >>> 16) & 0xff;
    this.buf[this.len++] = (x >>> 8) & 0xff;
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  u32(x: number): this {
    this.u16(x >>> 16);
    return this.u16(x & 0xffff);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  ascii(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i) & 0xff;
    return this;
  }

  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Reserves a length field of `size` bytes; `end(mark)` fills it with the bytes written since. */
  begin(size: 1 | 2 | 3): number {
    this.room(size);
    const at = this.len;
    this.len += size;
    return at | (size << 28);
  }

  end(mark: number): this {
    const size = mark >>> 28;
    const at = mark & 0x0fffffff;
    const n = this.len - at - size;
    for (let i = size - 1, v = n; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
    return this;
  }

  out(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------------------------
// TLS (RFC 8446)

const TLS13_SUITES = [0x1301, 0x1302, 0x1303];
const TLS12_SUITES = [
  0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
];
const SIG_ALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const GREASE = [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa];

export interface ClientHelloOptions {
  serverName: string;
  alpn: readonly string[];
  /**
   * TLS 1.3-only hello for QUIC: no TLS 1.2 suites, supported_versions 1.3 only, quic_transport_parameters.
   */
  quic?: boolean;
  /** Browser-style GREASE values and padding to 517 bytes. */
  grease?: boolean;
}

/** The ClientHello handshake message (4-byte handshake header included, no record header). */
export function clientHelloMessage(rng: Rng, o: ClientHelloOptions): Uint8Array {
  const w = new ByteWriter(600);
  const grease = o.grease ? rng.pick(GREASE) : -1;
  w.u8(1); // client_hello
  const hs = w.begin(3);
  w.u16(0x0303); // legacy_version
  w.bytes(rng.bytes(32)); // random
  if (o.quic) w.u8(0);
  else w.u8(32).bytes(rng.bytes(32)); // legacy_session_id (middlebox compatibility mode)
  const suites = w.begin(2);
  if (grease >= 0) w.u16(grease);
  for (const s of TLS13_SUITES) w.u16(s);
  if (!o.quic) for (const s of TLS12_SUITES) w.u16(s);
  w.end(suites);
  w.u8(1).u8(0); // compression: null
  const exts = w.begin(2);
  if (grease >= 0) w.u16(grease).u16(0);
  // server_name (RFC 6066 §3)
  w.u16(0);
  const sn = w.begin(2);
  const list = w.begin(2);
  w.u8(0);
  const host = w.begin(2);
  w.ascii(o.serverName).end(host).end(list).end(sn);
  if (!o.quic) {
    w.u16(0x0017).u16(0); // extended_master_secret
    w.u16(0xff01).u16(1).u8(0); // renegotiation_info
  }
  // supported_groups: x25519, secp256r1, secp384r1
  w.u16(0x000a).u16(8).u16(6).u16(0x001d).u16(0x0017).u16(0x0018);
  if (!o.quic) {
    w.u16(0x000b).u16(2).u8(1).u8(0); // ec_point_formats: uncompressed
    w.u16(0x0023).u16(0); // session_ticket
  }
  // application_layer_protocol_negotiation (RFC 7301)
  w.u16(0x0010);
  const alpn = w.begin(2);
  const names = w.begin(2);
  for (const p of o.alpn) w.u8(p.length).ascii(p);
  w.end(names).end(alpn);
  if (!o.quic) w.u16(0x0005).u16(5).u8(1).u16(0).u16(0); // status_request (OCSP)
  // signature_algorithms
  w.u16(0x000d)
    .u16(2 + 2 * SIG_ALGS.length)
    .u16(2 * SIG_ALGS.length);
  for (const s of SIG_ALGS) w.u16(s);
  // key_share: one x25519 share
  w.u16(0x0033)
    .u16(2 + 4 + 32)
    .u16(4 + 32)
    .u16(0x001d)
    .u16(32)
    .bytes(rng.bytes(32));
  w.u16(0x002d).u16(2).u8(1).u8(1); // psk_key_exchange_modes: psk_dhe_ke
  // supported_versions
  if (o.quic) w.u16(0x002b).u16(3).u8(2).u16(0x0304);
  else w.u16(0x002b).u16(5).u8(4).u16(0x0304).u16(0x0303);
  if (o.quic) {
    // quic_transport_parameters (RFC 9001 §8.2): initial_max_data, initial_max_streams_bidi,
    // initial_source_connection_id (empty), max_udp_payload_size.
    const tp = new ByteWriter(64);
    tp.u8(0x04).u8(4).u32(0x80f00000); // initial_max_data = 15 MB (4-byte varint)
    tp.u8(0x08).u8(2).u16(0x4064); // initial_max_streams_bidi = 100
    tp.u8(0x0f).u8(0); // initial_source_connection_id
    tp.u8(0x03).u8(2).u16(0x45ac); // max_udp_payload_size = 1452
    w.u16(0x0039).u16(tp.len).bytes(tp.out());
  }
  if (grease >= 0)
    w.u16((grease + 0x1010) & 0xffff)
      .u16(1)
      .u8(0);
  // padding (RFC 7685) to a 512-byte handshake message, as browsers do
  if (o.grease && !o.quic) {
    const room = 512 - (w.len + 4);
    if (room >= 0) w.u16(0x0015).u16(room).zeros(room);
  }
  w.end(exts);
  w.end(hs);
  return w.out();
}

/** A ClientHello in one TLS record (content type 22, record version 0x0301 as browsers send). */
export function clientHelloRecord(rng: Rng, o: ClientHelloOptions): Uint8Array {
  const msg = clientHelloMessage(rng, o);
  const w = new ByteWriter(msg.length + 5);
  w.u8(22).u16(0x0301).u16(msg.length).bytes(msg);
  return w.out();
}

/**
 * A TLS 1.3 ServerHello record (x25519 key share, TLS_AES_128_GCM_SHA256) and ChangeCipherSpec: the plaintext
 * start of a server's first flight. The rest (encrypted extensions, certificate, finished) is opaque records.
 */
export function serverHello(rng: Rng): Uint8Array {
  const w = new ByteWriter(200);
  w.u8(22).u16(0x0303);
  const rec = w.begin(2);
  w.u8(2); // server_hello
  const hs = w.begin(3);
  w.u16(0x0303).bytes(rng.bytes(32));
  w.u8(32).bytes(rng.bytes(32)); // echoed legacy_session_id
  w.u16(0x1301).u8(0);
  const exts = w.begin(2);
  w.u16(0x002b).u16(2).u16(0x0304);
  w.u16(0x0033).u16(36).u16(0x001d).u16(32).bytes(rng.bytes(32));
  w.end(exts).end(hs).end(rec);
  w.u8(20).u16(0x0303).u16(1).u8(1); // change_cipher_spec
  return w.out();
}

/** ChangeCipherSpec + encrypted Finished: the start of a TLS 1.3 client's second flight. */
export function clientFinished(rng: Rng): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(20).u16(0x0303).u16(1).u8(1);
  w.u8(23).u16(0x0303).u16(53).bytes(rng.bytes(53));
  return w.out();
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 (RFC 9112)

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'curl/7.88.1',
  'Debian APT-HTTP/1.3 (2.6.1)',
  'Microsoft-CryptoAPI/10.0',
  'okhttp/4.12.0',
];
const PATHS = [
  '/',
  '/index.html',
  '/favicon.ico',
  '/api/v1/status',
  '/static/app.js',
  '/images/logo.png',
  '/ocsp',
];
const CONTENT_TYPES = [
  'text/html; charset=utf-8',
  'application/json',
  'image/jpeg',
  'application/javascript',
];

export function httpRequest(rng: Rng, host: string): Uint8Array {
  const path = rng.chance(0.5) ? rng.pick(PATHS) : `/${rng.u32().toString(36)}/${rng.u32().toString(36)}.js`;
  const method = rng.chance(0.9) ? 'GET' : 'POST';
  let s = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${rng.pick(USER_AGENTS)}\r\n`;
  s += 'Accept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n';
  if (method === 'POST') s += 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n';
  s += '\r\n';
  return new ByteWriter(s.length).ascii(s).out();
}

export function httpResponseHead(rng: Rng, bodyBytes: number, timeSec: number): Uint8Array {
  const status = rng.chance(0.9) ? '200 OK' : rng.chance(0.5) ? '304 Not Modified' : '301 Moved Permanently';
  const date = new Date(timeSec * 1000).toUTCString();
  const server = rng.pick(['nginx', 'Apache', 'cloudflare', 'AmazonS3', 'ECS (nyb/1D2E)']);
  const s =
    `HTTP/1.1 ${status}\r\nDate: ${date}\r\nServer: ${server}\r\nContent-Type: ${rng.pick(CONTENT_TYPES)}\r\n` +
    `Content-Length: ${bodyBytes}\r\nCache-Control: max-age=3600\r\nConnection: keep-alive\r\n\r\n`;
  return new ByteWriter(s.length).ascii(s).out();
}

// ---------------------------------------------------------------------------------------------
// DNS (RFC 1035)

export const DNS_A = 1;
export const DNS_CNAME = 5;
export const DNS_AAAA = 28;
export const DNS_HTTPS = 65;

function dnsName(w: ByteWriter, name: string): void {
  for (const label of name.split('.')) w.u8(label.length).ascii(label);
  w.u8(0);
}

function dnsHeader(w: ByteWriter, id: number, flags: number, qd: number, an: number, ar: number): void {
  w.u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(ar);
}

/** A recursive query with an EDNS(0) OPT record. */
export function dnsQuery(id: number, name: string, qtype: number): Uint8Array {
  const w = new ByteWriter(64 + name.length);
  dnsHeader(w, id, 0x0100, 1, 0, 1);
  dnsName(w, name);
  w.u16(qtype).u16(1);
  w.u8(0).u16(41).u16(1232).u32(0).u16(0); // OPT: udp size 1232
  return w.out();
}

export interface DnsAnswer {
  type: number;
  ttl: number;
  /** 4 or 16 address bytes, or a target name for CNAME. */
  data: Uint8Array | string;
}

/** A response echoing the question, with answers owned by the query name (or a CNAME chain's target). */
export function dnsResponse(
  id: number,
  name: string,
  qtype: number,
  rcode: number,
  answers: DnsAnswer[],
): Uint8Array {
  const w = new ByteWriter(128 + name.length);
  dnsHeader(w, id, 0x8180 | rcode, 1, answers.length, 1);
  dnsName(w, name);
  w.u16(qtype).u16(1);
  let owner = 0xc00c; // compression pointer to the question name
  for (const a of answers) {
    w.u16(owner).u16(a.type).u16(1).u32(a.ttl);
    const rd = w.begin(2);
    if (typeof a.data === 'string') {
      const at = w.len;
      dnsName(w, a.data);
      owner = 0xc000 | at;
    } else {
      w.bytes(a.data);
    }
    w.end(rd);
  }
  w.u8(0).u16(41).u16(1232).u32(0).u16(0);
  return w.out();
}

// ---------------------------------------------------------------------------------------------
// SSH (RFC 4253 §4.2)

export const SSH_CLIENT_BANNERS = [
  'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n',
  'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.7\r\n',
  'SSH-2.0-PuTTY_Release_0.80\r\n',
  'SSH-2.0-libssh2_1.11.0\r\n',
];
export const SSH_SERVER_BANNERS = [
  'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n',
  'SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\r\n',
  'SSH-2.0-OpenSSH_7.4\r\n',
  'SSH-2.0-dropbear_2022.83\r\n',
];

export function ascii(s: string): Uint8Array {
  return new ByteWriter(s.length).ascii(s).out();
}

/**
 * One unencrypted SSH binary packet (RFC 4253 §6): lengths, payload, random padding to a multiple of 8 (>=
 * 4).
 */
export function sshPacket(rng: Rng, payload: Uint8Array): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const w = new ByteWriter(5 + payload.length + pad);
  w.u32(1 + payload.length + pad)
    .u8(pad)
    .bytes(payload)
    .bytes(rng.bytes(pad));
  return w.out();
}

function sshString(w: ByteWriter, b: Uint8Array | string): void {
  if (typeof b === 'string') w.u32(b.length).ascii(b);
  else w.u32(b.length).bytes(b);
}

const SSH_KEX =
  'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group16-sha512';
const SSH_HOSTKEY = 'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256';
const SSH_CIPHER =
  'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com';
const SSH_MAC =
  'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com';

/** SSH_MSG_KEXINIT (RFC 4253 §7.1) as an unencrypted packet. */
export function sshKexInit(rng: Rng, client: boolean): Uint8Array {
  const w = new ByteWriter(1024);
  w.u8(20).bytes(rng.bytes(16));
  sshString(
    w,
    client ? `${SSH_KEX},ext-info-c,kex-strict-c-v00@openssh.com` : `${SSH_KEX},kex-strict-s-v00@openssh.com`,
  );
  sshString(w, SSH_HOSTKEY);
  for (let i = 0; i < 2; i++) sshString(w, SSH_CIPHER);
  for (let i = 0; i < 2; i++) sshString(w, SSH_MAC);
  for (let i = 0; i < 2; i++) sshString(w, 'none,zlib@openssh.com');
  for (let i = 0; i < 2; i++) sshString(w, '');
  w.u8(0).u32(0);
  return sshPacket(rng, w.out());
}

/** SSH_MSG_KEX_ECDH_INIT (RFC 5656 §4) with a curve25519 public key. */
export function sshEcdhInit(rng: Rng): Uint8Array {
  const w = new ByteWriter(40);
  w.u8(30);
  sshString(w, rng.bytes(32));
  return sshPacket(rng, w.out());
}

/** SSH_MSG_KEX_ECDH_REPLY (ed25519 host key, curve25519 key, signature) followed by SSH_MSG_NEWKEYS. */
export function sshEcdhReplyNewKeys(rng: Rng): Uint8Array {
  const key = new ByteWriter(64);
  sshString(key, 'ssh-ed25519');
  sshString(key, rng.bytes(32));
  const sig = new ByteWriter(96);
  sshString(sig, 'ssh-ed25519');
  sshString(sig, rng.bytes(64));
  const w = new ByteWriter(200);
  w.u8(31);
  sshString(w, key.out());
  sshString(w, rng.bytes(32));
  sshString(w, sig.out());
  const reply = sshPacket(rng, w.out());
  const newKeys = sshPacket(rng, Uint8Array.of(21));
  const out = new Uint8Array(reply.length + newKeys.length);
  out.set(reply, 0);
  out.set(newKeys, reply.length);
  return out;
}

/** SSH_MSG_NEWKEYS. */
export function sshNewKeys(rng: Rng): Uint8Array {
  return sshPacket(rng, Uint8Array.of(21));
}

// ---------------------------------------------------------------------------------------------
// QUIC v1 (RFC 9000, RFC 9001)

const QUIC_V1_SALT = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for up to 32 bytes (one SHA-256 block). */
function expandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = `tls13 ${label}`;
  const w = new ByteWriter(full.length + 5);
  w.u16(length).u8(full.length).ascii(full).u8(0).u8(1);
  return createHmac('sha256', secret).update(w.out()).digest().subarray(0, length);
}

function putVarint2(w: ByteWriter, x: number): void {
  w.u16(0x4000 | x);
}

/**
 * A client Initial packet (RFC 9000 §17.2.2) carrying `clientHello` in one CRYPTO frame, padded so that the
 * datagram is `datagramBytes` long, protected as RFC 9001 §5 says: AEAD_AES_128_GCM with the client Initial
 * keys derived from the Destination Connection ID, then header protection.
 */
export function quicClientInitial(
  dcid: Uint8Array,
  scid: Uint8Array,
  clientHello: Uint8Array,
  datagramBytes: number,
): Uint8Array {
  const initial = createHmac('sha256', QUIC_V1_SALT).update(dcid).digest();
  const secret = expandLabel(initial, 'client in', 32);
  const key = expandLabel(secret, 'quic key', 16);
  const iv = expandLabel(secret, 'quic iv', 12);
  const hp = expandLabel(secret, 'quic hp', 16);
  const pnLen = 4;
  const pn = 0;
  const head = new ByteWriter(64);
  head.u8(0xc0 | (pnLen - 1)).u32(1); // long header, fixed bit, type Initial (0), version 1
  head.u8(dcid.length).bytes(dcid).u8(scid.length).bytes(scid);
  head.u8(0); // token length 0
  const headerLen = head.len + 2 + pnLen;
  const payloadLen = datagramBytes - headerLen; // packet number excluded, AEAD tag included
  const plainLen = payloadLen - 16;
  putVarint2(head, pnLen + payloadLen);
  head.u32(pn);
  const header = head.out();
  const frames = new ByteWriter(plainLen);
  frames.u8(0x06).u8(0); // CRYPTO, offset 0
  putVarint2(frames, clientHello.length);
  frames.bytes(clientHello);
  frames.zeros(plainLen - frames.len); // PADDING frames
  const nonce = Buffer.from(iv);
  nonce[11] ^= pn & 0xff;
  const c = createCipheriv('aes-128-gcm', key, nonce);
  c.setAAD(header);
  const ct = Buffer.concat([c.update(frames.out()), c.final(), c.getAuthTag()]);
  // RFC 9001 §5.4.2: the sample starts 4 bytes after the start of the Packet Number field.
  const sample = ct.subarray(4 - pnLen, 4 - pnLen + 16);
  const ecb = createCipheriv('aes-128-ecb', hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(sample);
  header[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) header[header.length - pnLen + i] ^= mask[1 + i];
  const out = new Uint8Array(header.length + ct.length);
  out.set(header, 0);
  out.set(ct, header.length);
  return out;
}

/** The unencrypted-looking start of a server long-header packet (type 0 Initial, 2 Handshake). */
export function quicLongHead(
  type: number,
  dcid: Uint8Array,
  scid: Uint8Array,
  packetBytes: number,
): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(0xc0 | (type << 4) | 1)
    .u32(1)
    .u8(dcid.length)
    .bytes(dcid)
    .u8(scid.length)
    .bytes(scid);
  if (type === 0) w.u8(0);
  putVarint2(w, Math.max(20, Math.min(0x3fff, packetBytes - w.len - 2)));
  return w.out();
}

/** The start of a 1-RTT (short header) packet: flags and the Destination Connection ID. */
export function quicShortHead(rng: Rng, dcid: Uint8Array): Uint8Array {
  const w = new ByteWriter(1 + dcid.length);
  w.u8(0x40 | rng.int(64)).bytes(dcid);
  return w.out();
}
