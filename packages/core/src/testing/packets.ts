// Packet builders: every function returns the bytes of one header plus its payload, with lengths
// and checksums filled in. Compose them inside out, e.g.
//   ethernet({}, ipv4({ src, dst, proto: IPPROTO.UDP }, udp({ sport, dport }, data, { src, dst })))
// For speed, results of 65..8192 bytes are views into a shared slab (see allocBytes): honour
// byteOffset/byteLength, never use `.buffer` on its own.
import { ipBytes, isIPv6Text, type MacAddress, macBytes } from './address.ts';
import { allocBytes } from './bytes.ts';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  PPPOE_SESSION: 0x8864,
  TEB: 0x6558,
} as const;

export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const;

export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;
export const AF_INET = 2;
/** BSD AF_INET6 values: 24 (NetBSD/OpenBSD, libpcap's default), 28 (FreeBSD), 30 (Darwin). */
export const AF_INET6_BSD = 24;
export const AF_INET6_FREEBSD = 28;
export const AF_INET6_DARWIN = 30;

const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
const DEFAULT_DST_MAC = '02:00:00:00:00:02';

// ---------------------------------------------------------------------------------------------
// Byte helpers (network order; cheaper than a DataView per packet)

function put16(b: Uint8Array, off: number, x: number): void {
  b[off] = (x >>> 8) & 0xff;
  b[off + 1] = x & 0xff;
}

function put32(b: Uint8Array, off: number, x: number): void {
  b[off] = (x >>> 24) & 0xff;
  b[off + 1] = (x >>> 16) & 0xff;
  b[off + 2] = (x >>> 8) & 0xff;
  b[off + 3] = x & 0xff;
}

function put32le(b: Uint8Array, off: number, x: number): void {
  b[off] = x & 0xff;
  b[off + 1] = (x >>> 8) & 0xff;
  b[off + 2] = (x >>> 16) & 0xff;
  b[off + 3] = (x >>> 24) & 0xff;
}

function ipv4Bytes(text: string): Uint8Array {
  const b = ipBytes(text);
  if (b.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  return b;
}

function ipv6Bytes(text: string): Uint8Array {
  const b = ipBytes(text);
  if (b.length !== 16) throw new Error(`not an IPv6 address: ${text}`);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Checksums

/** The Internet checksum (RFC 1071) over the concatenation of `parts` (odd-length parts allowed). */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  for (const d of parts) {
    const n = d.length;
    let i = 0;
    if (odd && n > 0) {
      sum += d[0];
      i = 1;
      odd = false;
    }
    for (; i + 1 < n; i += 2) sum += (d[i] << 8) | d[i + 1];
    if (i < n) {
      sum += d[i] << 8;
      odd = true;
    }
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Source and destination of the enclosing IP packet, for TCP/UDP/ICMPv6 checksums. */
export interface IpPseudo {
  src: string;
  dst: string;
}

/** The IPv4 (12-byte) or IPv6 (40-byte) pseudo header. */
export function pseudoHeader(ip: IpPseudo, proto: number, length: number): Uint8Array {
  const v6 = isIPv6Text(ip.src);
  const src = ipBytes(ip.src);
  const dst = ipBytes(ip.dst);
  if (src.length !== dst.length) throw new Error(`address family mismatch: ${ip.src} / ${ip.dst}`);
  if (v6) {
    const out = allocBytes(40);
    out.set(src, 0);
    out.set(dst, 16);
    put32(out, 32, length);
    out[39] = proto;
    return out;
  }
  const out = allocBytes(12);
  out.set(src, 0);
  out.set(dst, 4);
  out[9] = proto;
  put16(out, 10, length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Link layers

/** EtherType for an IP payload, from its version nibble. */
export function inferEtherType(payload: Uint8Array): number {
  const ver = payload.length > 0 ? payload[0] >> 4 : -1;
  if (ver === 4) return ETHERTYPE.IPV4;
  if (ver === 6) return ETHERTYPE.IPV6;
  throw new Error('cannot infer the protocol of a non-IP payload; pass it explicitly');
}

export interface VlanTag {
  /** 0x8100 (802.1Q, default) or 0x88a8 (802.1ad service tag). */
  tpid?: number;
  id: number;
  pcp?: number;
  dei?: boolean;
}

export interface MplsEntry {
  label: number;
  tc?: number;
  ttl?: number;
}

export interface EthernetOptions {
  src?: MacAddress;
  dst?: MacAddress;
  /** Tags, outermost first. */
  vlans?: VlanTag[];
  /** MPLS label stack, top first; bottom-of-stack is set on the last entry. */
  mpls?: (number | MplsEntry)[];
  /** PPPoE session header (0x8864) + PPP protocol (inferred 0x0021/0x0057 unless given). */
  pppoe?: { session: number; protocol?: number };
  /** The EtherType after the VLAN tags; default 0x8847 with mpls, 0x8864 with pppoe, else inferred from the payload. */
  etherType?: number;
  /** Zero-pad the frame to the 60-byte Ethernet minimum (as a real NIC would). */
  padTo60?: boolean;
}

export function ethernet(opts: EthernetOptions, payload: Uint8Array): Uint8Array {
  const vlans = opts.vlans ?? [];
  const mpls = opts.mpls ?? [];
  if (mpls.length > 0 && opts.pppoe) throw new Error('ethernet: mpls and pppoe together are not supported');
  const etherType =
    opts.etherType ??
    (mpls.length > 0 ? ETHERTYPE.MPLS : opts.pppoe ? ETHERTYPE.PPPOE_SESSION : inferEtherType(payload));
  const headLen = 14 + 4 * vlans.length + 4 * mpls.length + (opts.pppoe ? 8 : 0);
  const len = Math.max(headLen + payload.length, opts.padTo60 ? 60 : 0);
  const out = allocBytes(len);
  out.set(macBytes(opts.dst ?? DEFAULT_DST_MAC), 0);
  out.set(macBytes(opts.src ?? DEFAULT_SRC_MAC), 6);
  let off = 12;
  for (const tag of vlans) {
    put16(out, off, tag.tpid ?? ETHERTYPE.VLAN);
    put16(out, off + 2, ((tag.pcp ?? 0) << 13) | (tag.dei ? 0x1000 : 0) | (tag.id & 0xfff));
    off += 4;
  }
  put16(out, off, etherType);
  off += 2;
  mpls.forEach((e, i) => {
    const entry = typeof e === 'number' ? { label: e } : e;
    const bos = i === mpls.length - 1 ? 1 : 0;
    put32(
      out,
      off,
      ((entry.label & 0xfffff) << 12) | ((entry.tc ?? 0) << 9) | (bos << 8) | (entry.ttl ?? 64),
    );
    off += 4;
  });
  if (opts.pppoe) {
    out[off] = 0x11; // version 1, type 1
    out[off + 1] = 0; // code: session data
    put16(out, off + 2, opts.pppoe.session);
    put16(out, off + 4, 2 + payload.length);
    const ppp = opts.pppoe.protocol ?? (inferEtherType(payload) === ETHERTYPE.IPV4 ? PPP_IPV4 : PPP_IPV6);
    put16(out, off + 6, ppp);
    off += 8;
  }
  out.set(payload, off);
  return out;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113): 16-byte header. */
export function sll(
  opts: { protocol?: number; pktType?: number; hatype?: number; addr?: MacAddress },
  payload: Uint8Array,
): Uint8Array {
  const out = allocBytes(16 + payload.length);
  const addr = macBytes(opts.addr ?? DEFAULT_SRC_MAC);
  put16(out, 0, opts.pktType ?? 0);
  put16(out, 2, opts.hatype ?? 1);
  put16(out, 4, addr.length);
  out.set(addr, 6);
  put16(out, 14, opts.protocol ?? inferEtherType(payload));
  out.set(payload, 16);
  return out;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): 20-byte header. */
export function sll2(
  opts: { protocol?: number; ifindex?: number; pktType?: number; hatype?: number; addr?: MacAddress },
  payload: Uint8Array,
): Uint8Array {
  const out = allocBytes(20 + payload.length);
  const addr = macBytes(opts.addr ?? DEFAULT_SRC_MAC);
  put16(out, 0, opts.protocol ?? inferEtherType(payload));
  put16(out, 2, 0);
  put32(out, 4, opts.ifindex ?? 1);
  put16(out, 8, opts.hatype ?? 1);
  out[10] = opts.pktType ?? 0;
  out[11] = addr.length;
  out.set(addr, 12);
  out.set(payload, 20);
  return out;
}

/**
 * BSD loopback header: a 4-byte address family. LINKTYPE_NULL (0) stores it in the capturing host's
 * byte order (default 'le'); LINKTYPE_LOOP (108) in network order ('be'). The family defaults to
 * AF_INET (2) or AF_INET6_BSD (24) from the payload.
 */
export function nullLoopback(
  payload: Uint8Array,
  opts: { family?: number; byteOrder?: 'le' | 'be' } = {},
): Uint8Array {
  const family = opts.family ?? (inferEtherType(payload) === ETHERTYPE.IPV4 ? AF_INET : AF_INET6_BSD);
  const out = allocBytes(4 + payload.length);
  if ((opts.byteOrder ?? 'le') === 'le') put32le(out, 0, family);
  else put32(out, 0, family);
  out.set(payload, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Network layer

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  id?: number;
  ttl?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** IP options, zero-padded (EOL) to a multiple of 4 bytes; at most 40. */
  options?: Uint8Array;
  /** Override the total length field (for malformed-packet tests). */
  totalLength?: number;
  /** Override the header checksum (for bad-checksum tests). */
  checksum?: number;
}

export function ipv4(opts: Ipv4Options, payload: Uint8Array): Uint8Array {
  const optLen = (((opts.options?.length ?? 0) + 3) & ~3) >>> 0;
  if (optLen > 40) throw new Error('ipv4: options longer than 40 bytes');
  const frag = opts.fragOffset ?? 0;
  if (frag % 8 !== 0 || frag < 0 || frag / 8 > 0x1fff) throw new Error(`ipv4: bad fragment offset ${frag}`);
  const hl = 20 + optLen;
  const out = allocBytes(hl + payload.length);
  out[0] = 0x40 | (hl >> 2);
  out[1] = opts.tos ?? 0;
  put16(out, 2, opts.totalLength ?? hl + payload.length);
  put16(out, 4, opts.id ?? 0);
  put16(out, 6, (opts.df ? 0x4000 : 0) | (opts.mf ? 0x2000 : 0) | (frag / 8));
  out[8] = opts.ttl ?? 64;
  out[9] = opts.proto;
  out.set(ipv4Bytes(opts.src), 12);
  out.set(ipv4Bytes(opts.dst), 16);
  if (opts.options) out.set(opts.options, 20);
  put16(out, 10, opts.checksum ?? internetChecksum([out.subarray(0, hl)]));
  out.set(payload, hl);
  return out;
}

export interface Ipv6Ext {
  /** 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options; others get the generic 8-byte-unit layout. */
  type: number;
  /** Fragment header: offset in bytes (multiple of 8), more-fragments flag, identification. */
  fragOffset?: number;
  mf?: boolean;
  id?: number;
  /** Options (hop-by-hop / destination options; padded with Pad1/PadN) or the raw body of other types. */
  data?: Uint8Array;
  /** Routing header (Segment Routing, type 4, segments left 0): the segment list; default [dst]. */
  segments?: string[];
}

export interface Ipv6Options {
  src: string;
  dst: string;
  /** Next header after the extension headers (the upper-layer protocol). */
  next: number;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Extension headers in order. */
  ext?: Ipv6Ext[];
  /** Override the payload length field (for malformed-packet tests). */
  payloadLength?: number;
}

function ipv6ExtHeader(e: Ipv6Ext, next: number, dst: string): Uint8Array {
  if (e.type === IPPROTO.FRAGMENT) {
    const off = e.fragOffset ?? 0;
    if (off % 8 !== 0 || off < 0 || off / 8 > 0x1fff) throw new Error(`ipv6: bad fragment offset ${off}`);
    const out = allocBytes(8);
    out[0] = next;
    put16(out, 2, off | (e.mf ? 1 : 0));
    put32(out, 4, (e.id ?? 0) >>> 0);
    return out;
  }
  if (e.type === IPPROTO.ROUTING && !e.data) {
    const segs = (e.segments ?? [dst]).map(ipv6Bytes);
    const out = allocBytes(8 + 16 * segs.length);
    out[0] = next;
    out[1] = 2 * segs.length;
    out[2] = 4; // Segment Routing Header
    out[3] = 0; // segments left
    out[4] = segs.length - 1; // last entry
    segs.forEach((s, i) => {
      out.set(s, 8 + 16 * i);
    });
    return out;
  }
  const body = e.data ?? new Uint8Array(0);
  const len = (2 + body.length + 7) & ~7;
  const out = allocBytes(Math.max(8, len));
  out[0] = next;
  out[1] = out.length / 8 - 1;
  out.set(body, 2);
  if (e.type === IPPROTO.HOPOPTS || e.type === IPPROTO.DSTOPTS) {
    const padStart = 2 + body.length;
    const r = out.length - padStart;
    if (r === 1)
      out[padStart] = 0; // Pad1
    else if (r >= 2) {
      out[padStart] = 1; // PadN
      out[padStart + 1] = r - 2;
    }
  }
  return out;
}

export function ipv6(opts: Ipv6Options, payload: Uint8Array): Uint8Array {
  const ext = opts.ext ?? [];
  const extBytes = ext.map((e, i) =>
    ipv6ExtHeader(e, i + 1 < ext.length ? ext[i + 1].type : opts.next, opts.dst),
  );
  let extLen = 0;
  for (const b of extBytes) extLen += b.length;
  const out = allocBytes(40 + extLen + payload.length);
  put32(out, 0, (6 << 28) | ((opts.trafficClass ?? 0) << 20) | ((opts.flowLabel ?? 0) & 0xfffff));
  put16(out, 4, opts.payloadLength ?? extLen + payload.length);
  out[6] = ext.length > 0 ? ext[0].type : opts.next;
  out[7] = opts.hopLimit ?? 64;
  out.set(ipv6Bytes(opts.src), 8);
  out.set(ipv6Bytes(opts.dst), 24);
  let off = 40;
  for (const b of extBytes) {
    out.set(b, off);
    off += b.length;
  }
  out.set(payload, off);
  return out;
}

/** An IPv4 or IPv6 packet, chosen by the address family of `src`. */
export function ip(
  opts: { src: string; dst: string; proto: number; ttl?: number; id?: number; df?: boolean },
  payload: Uint8Array,
): Uint8Array {
  if (isIPv6Text(opts.src)) {
    return ipv6({ src: opts.src, dst: opts.dst, next: opts.proto, hopLimit: opts.ttl }, payload);
  }
  return ipv4(opts, payload);
}

/**
 * Splits `payload` (the whole upper-layer datagram) into IPv4 fragments carrying at most
 * `mtuPayloadBytes` (rounded down to a multiple of 8) each. A payload that fits gives one unfragmented packet.
 */
export function fragmentIPv4(opts: Ipv4Options, payload: Uint8Array, mtuPayloadBytes: number): Uint8Array[] {
  const chunk = mtuPayloadBytes & ~7;
  if (chunk < 8) throw new Error('fragmentIPv4: mtuPayloadBytes must be at least 8');
  if (payload.length <= chunk) return [ipv4(opts, payload)];
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const end = Math.min(off + chunk, payload.length);
    out.push(
      ipv4(
        { ...opts, df: false, mf: end < payload.length, fragOffset: off, totalLength: undefined },
        payload.subarray(off, end),
      ),
    );
  }
  return out;
}

/**
 * Splits `payload` (the fragmentable part: upper-layer datagram) into IPv6 fragments with a Fragment
 * header (id `fragId`, default 1) after `opts.ext` (the unfragmentable part), each carrying at most
 * `mtuPayloadBytes` (rounded down to a multiple of 8) of the payload.
 */
export function fragmentIPv6(
  opts: Ipv6Options & { fragId?: number },
  payload: Uint8Array,
  mtuPayloadBytes: number,
): Uint8Array[] {
  const chunk = mtuPayloadBytes & ~7;
  if (chunk < 8) throw new Error('fragmentIPv6: mtuPayloadBytes must be at least 8');
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length || off === 0; off += chunk) {
    const end = Math.min(off + chunk, payload.length);
    const frag: Ipv6Ext = {
      type: IPPROTO.FRAGMENT,
      fragOffset: off,
      mf: end < payload.length,
      id: opts.fragId ?? 1,
    };
    out.push(
      ipv6(
        { ...opts, ext: [...(opts.ext ?? []), frag], payloadLength: undefined },
        payload.subarray(off, end),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transport

export const TCP_FLAGS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  E: 0x40,
  C: 0x80,
  N: 0x100,
};

/** 'SA' -> 0x12 etc.: letters F S R P A U E(CE) C(WR) N(S), in any order; numbers pass through. */
export function tcpFlags(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  let f = 0;
  for (const c of flags.toUpperCase()) {
    const bit = TCP_FLAGS[c];
    if (bit === undefined) throw new Error(`unknown TCP flag '${c}' in '${flags}'`);
    f |= bit;
  }
  return f;
}

export interface TcpOptionSpec {
  mss?: number;
  sackPermitted?: boolean;
  /** [TSval, TSecr] */
  timestamp?: [number, number];
  wscale?: number;
  sack?: [number, number][];
}

/** Encodes common TCP options (MSS, SACK-permitted, timestamps, window scale, SACK blocks), EOL-padded to 4 bytes. */
export function tcpOptions(spec: TcpOptionSpec): Uint8Array {
  const b: number[] = [];
  const u16 = (x: number) => b.push((x >> 8) & 0xff, x & 0xff);
  const u32 = (x: number) => b.push((x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
  if (spec.mss !== undefined) {
    b.push(2, 4);
    u16(spec.mss);
  }
  if (spec.sackPermitted) b.push(4, 2);
  if (spec.timestamp) {
    b.push(8, 10);
    u32(spec.timestamp[0]);
    u32(spec.timestamp[1]);
  }
  if (spec.wscale !== undefined) b.push(1, 3, 3, spec.wscale);
  if (spec.sack?.length) {
    b.push(1, 1, 5, 2 + 8 * spec.sack.length);
    for (const [l, r] of spec.sack) {
      u32(l);
      u32(r);
    }
  }
  while (b.length % 4 !== 0) b.push(0);
  return Uint8Array.from(b);
}

export interface TcpHeaderOptions {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: string | number;
  window?: number;
  urgent?: number;
  /** Raw option bytes (zero-padded to 4) or a spec for `tcpOptions`. */
  options?: Uint8Array | TcpOptionSpec;
  /** Override the checksum (for bad-checksum tests). */
  checksum?: number;
}

/** A TCP segment; the checksum is computed when `ipPseudo` is given, else left 0. */
export function tcp(opts: TcpHeaderOptions, payload: Uint8Array, ipPseudo?: IpPseudo): Uint8Array {
  const rawOpts =
    opts.options instanceof Uint8Array ? opts.options : opts.options ? tcpOptions(opts.options) : null;
  const optLen = ((rawOpts?.length ?? 0) + 3) & ~3;
  if (optLen > 40) throw new Error('tcp: options longer than 40 bytes');
  const hl = 20 + optLen;
  const out = allocBytes(hl + payload.length);
  const flags = tcpFlags(opts.flags);
  put16(out, 0, opts.sport);
  put16(out, 2, opts.dport);
  put32(out, 4, (opts.seq ?? 0) >>> 0);
  put32(out, 8, (opts.ack ?? 0) >>> 0);
  out[12] = ((hl >> 2) << 4) | ((flags >> 8) & 1);
  out[13] = flags & 0xff;
  put16(out, 14, opts.window ?? 65535);
  put16(out, 18, opts.urgent ?? 0);
  if (rawOpts) out.set(rawOpts, 20);
  out.set(payload, hl);
  if (opts.checksum !== undefined) put16(out, 16, opts.checksum);
  else if (ipPseudo) put16(out, 16, internetChecksum([pseudoHeader(ipPseudo, IPPROTO.TCP, out.length), out]));
  return out;
}

/** A UDP datagram; the checksum is computed when `ipPseudo` is given (0 -> 0xffff), else left 0. */
export function udp(
  opts: { sport: number; dport: number; length?: number; checksum?: number },
  payload: Uint8Array,
  ipPseudo?: IpPseudo,
): Uint8Array {
  const out = allocBytes(8 + payload.length);
  put16(out, 0, opts.sport);
  put16(out, 2, opts.dport);
  put16(out, 4, opts.length ?? out.length);
  out.set(payload, 8);
  if (opts.checksum !== undefined) put16(out, 6, opts.checksum);
  else if (ipPseudo) {
    const c = internetChecksum([pseudoHeader(ipPseudo, IPPROTO.UDP, out.length), out]);
    put16(out, 6, c === 0 ? 0xffff : c);
  }
  return out;
}

export interface IcmpOptions {
  type: number;
  code: number;
  /** Echo identifier / sequence (the second 32-bit word as id << 16 | seq). */
  id?: number;
  seq?: number;
  /** The whole second 32-bit word (e.g. next-hop MTU, pointer); overrides id/seq. */
  rest?: number;
}

function icmpCommon(opts: IcmpOptions, payload: Uint8Array): Uint8Array {
  const out = allocBytes(8 + payload.length);
  out[0] = opts.type;
  out[1] = opts.code;
  put32(out, 4, (opts.rest ?? (((opts.id ?? 0) & 0xffff) << 16) | ((opts.seq ?? 0) & 0xffff)) >>> 0);
  out.set(payload, 8);
  return out;
}

/** ICMPv4: 8-byte header (type, code, checksum, id/seq or rest) + payload, checksummed. */
export function icmp(opts: IcmpOptions, payload: Uint8Array): Uint8Array {
  const out = icmpCommon(opts, payload);
  put16(out, 2, internetChecksum([out]));
  return out;
}

/** ICMPv6: 8-byte header (type, code, checksum, id/seq or rest) + payload, checksummed with the pseudo header. */
export function icmpv6(opts: IcmpOptions, payload: Uint8Array, ipPseudo: IpPseudo): Uint8Array {
  const out = icmpCommon(opts, payload);
  put16(out, 2, internetChecksum([pseudoHeader(ipPseudo, IPPROTO.ICMPV6, out.length), out]));
  return out;
}

/** IP + UDP with checksums, family by address. */
export function ipUdp(
  o: { src: string; dst: string; sport: number; dport: number; ttl?: number; id?: number },
  payload: Uint8Array,
): Uint8Array {
  return ip({ ...o, proto: IPPROTO.UDP }, udp(o, payload, o));
}

/** IP + TCP with checksums, family by address. */
export function ipTcp(
  o: TcpHeaderOptions & { src: string; dst: string; ttl?: number; id?: number; df?: boolean },
  payload: Uint8Array,
): Uint8Array {
  return ip(
    { src: o.src, dst: o.dst, proto: IPPROTO.TCP, ttl: o.ttl, id: o.id, df: o.df },
    tcp(o, payload, o),
  );
}

// ---------------------------------------------------------------------------------------------
// Tunnels

/** GRE (RFC 2784/2890): optional checksum, key and sequence number; protocol inferred for IP payloads. */
export function gre(
  opts: { protocol?: number; key?: number; seq?: number; checksum?: boolean },
  payload: Uint8Array,
): Uint8Array {
  const hl =
    4 + (opts.checksum ? 4 : 0) + (opts.key !== undefined ? 4 : 0) + (opts.seq !== undefined ? 4 : 0);
  const out = allocBytes(hl + payload.length);
  const flags =
    (opts.checksum ? 0x8000 : 0) |
    (opts.key !== undefined ? 0x2000 : 0) |
    (opts.seq !== undefined ? 0x1000 : 0);
  put16(out, 0, flags);
  put16(out, 2, opts.protocol ?? inferEtherType(payload));
  let off = 4;
  const csumAt = off;
  if (opts.checksum) off += 4;
  if (opts.key !== undefined) {
    put32(out, off, opts.key >>> 0);
    off += 4;
  }
  if (opts.seq !== undefined) {
    put32(out, off, opts.seq >>> 0);
    off += 4;
  }
  out.set(payload, hl);
  if (opts.checksum) put16(out, csumAt, internetChecksum([out]));
  return out;
}

export const VXLAN_PORT = 4789;
export const GTPU_PORT = 2152;

/** VXLAN header (flags I, 24-bit VNI) + inner Ethernet frame; carry it in UDP dport 4789. */
export function vxlan(opts: { vni: number }, innerEthernetFrame: Uint8Array): Uint8Array {
  const out = allocBytes(8 + innerEthernetFrame.length);
  out[0] = 0x08;
  put32(out, 4, (opts.vni & 0xffffff) << 8);
  out.set(innerEthernetFrame, 8);
  return out;
}

/** GTPv1-U G-PDU (message type 0xff) + inner IP packet; carry it in UDP port 2152. `seq` adds the optional fields. */
export function gtpu(opts: { teid: number; seq?: number }, innerIpPacket: Uint8Array): Uint8Array {
  const hasSeq = opts.seq !== undefined;
  const hl = hasSeq ? 12 : 8;
  const out = allocBytes(hl + innerIpPacket.length);
  out[0] = 0x30 | (hasSeq ? 0x02 : 0); // version 1, PT=1, S flag
  out[1] = 0xff;
  put16(out, 2, out.length - 8);
  put32(out, 4, opts.teid >>> 0);
  if (hasSeq) put16(out, 8, opts.seq ?? 0); // N-PDU number and next extension type stay 0
  out.set(innerIpPacket, hl);
  return out;
}
