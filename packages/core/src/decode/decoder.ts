import { LINKTYPE } from './linktypes.ts';
import type { SkipReason } from './reasons.ts';

export const IPPROTO = {
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  SCTP: 132,
} as const;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_VNTAG = 0x8926;
const ETH_ETAG = 0x893f;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MC = 0x8848;
const ETH_PPPOE = 0x8864;
const ETH_TEB = 0x6558; // transparent Ethernet bridging (GRE, Geneve)
const ETH_ERSPAN2 = 0x88be;
const ETH_ERSPAN3 = 0x22eb;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const UDP_VXLAN = 4789;
const UDP_GENEVE = 6081;
const UDP_GTPU = 2152;
const MAX_TUNNEL_DEPTH = 4;

/** What a failed inner decode must put back (see `inner`). */
const SAVED_FIELDS = [
  'ipVersion',
  'srcOff',
  'dstOff',
  'proto',
  'srcPort',
  'dstPort',
  'ipLen',
  'payloadLen',
  'payloadOff',
  'payloadCapLen',
  'tcpFlags',
  'fragment',
  'fragId',
  'fragVersion',
  'fragSrcOff',
  'fragDstOff',
  'fragProto',
] as const;

/** Fragment position of the packet's IP datagram. */
export const FRAG_NONE = 0;
export const FRAG_FIRST = 1;
export const FRAG_LATER = 2;

/**
 * Decodes link, network and transport headers into its own fields, reused for every packet (no
 * allocation on the common path). `decode` returns false and sets `skip` when the packet gives no
 * flow update. Lengths are checked before every read; nothing here throws on hostile bytes.
 *
 * For a tunnelled packet the fields describe the innermost IP packet that decodes, and `tunnel`
 * names the encapsulations outside it ('gre', 'vxlan', 'ipip/gtpu'...).
 */
export class PacketDecoder {
  buf: Uint8Array = new Uint8Array(0);
  skip: SkipReason | null = null;
  ipVersion = 0;
  /** Offsets of the source and destination addresses in `buf` (4 or 16 bytes). */
  srcOff = 0;
  dstOff = 0;
  proto = 0;
  /** -1 for protocols without ports. */
  srcPort = -1;
  dstPort = -1;
  /** IP-layer bytes from the IP header's own length, so snaplen-cut packets count fully. */
  ipLen = 0;
  /** Transport payload bytes implied by the IP and transport headers. */
  payloadLen = 0;
  /** Captured transport payload: buf[payloadOff, payloadOff + payloadCapLen). */
  payloadOff = 0;
  payloadCapLen = 0;
  /**
   * A UDP datagram's payload length per its own header: more than this packet holds when it is
   * the first IP fragment of a larger datagram. -1 for other transports.
   */
  udpPayloadLen = -1;
  tcpFlags = 0;
  /** Fragment position of the outermost fragmented IP datagram, and what identifies its train. */
  fragment = FRAG_NONE;
  fragId = 0;
  fragVersion = 0;
  fragSrcOff = 0;
  fragDstOff = 0;
  fragProto = 0;
  tunnel: string | null = null;
  private depth = 0;
  private wireLen = 0;
  /** Where the packet starts in `buf` (the wire length counts from there). */
  private base = 0;

  decode(linkType: number, data: Uint8Array, origLen: number): boolean {
    return this.decodeAt(linkType, data, 0, data.length, origLen);
  }

  /**
   * Decodes the packet at `buf[start, end)`; offsets in the fields are then offsets in `buf` (the
   * reader's buffer, so no view is made per packet).
   */
  decodeAt(linkType: number, buf: Uint8Array, start: number, end: number, origLen: number): boolean {
    this.buf = buf;
    this.base = start;
    this.skip = null;
    this.tunnel = null;
    this.depth = 0;
    this.fragment = FRAG_NONE;
    // No DataView: checking per packet whether the buffer changed cost more than the one 32-bit
    // read (the IPv6 fragment id) it served.
    this.wireLen = origLen;
    const n = end - start;
    switch (linkType) {
      case LINKTYPE.ETHERNET:
        return this.ethernet(start, end);
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_OPENBSD:
      case LINKTYPE.RAW_ALT:
      case LINKTYPE.IPV4:
      case LINKTYPE.IPV6:
        return this.ip(start, end);
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP:
        // A 4-byte address family in host or network order; the IP version nibble says the rest.
        if (n < 4) return this.fail('truncated_link');
        return this.ip(start + 4, end);
      case LINKTYPE.LINUX_SLL:
        if (n < 16) return this.fail('truncated_link');
        return this.etherType(this.u16(start + 14), start + 16, end);
      case LINKTYPE.LINUX_SLL2:
        if (n < 20) return this.fail('truncated_link');
        return this.etherType(this.u16(start), start + 20, end);
      case LINKTYPE.PPP:
        return this.ppp(start, end);
      default:
        return this.fail('unsupported_linktype');
    }
  }

  private u8(off: number): number {
    return this.buf[off];
  }

  private u16(off: number): number {
    return (this.buf[off] << 8) | this.buf[off + 1];
  }

  private u32(off: number): number {
    const b = this.buf;
    return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  }

  private fail(reason: SkipReason): false {
    this.skip = reason;
    return false;
  }

  private ethernet(off: number, end: number): boolean {
    if (end - off < 14) return this.fail('truncated_link');
    return this.etherType(this.u16(off + 12), off + 14, end);
  }

  /** Follows VLAN tags, MPLS labels and PPPoE down to IP. */
  private etherType(type: number, off: number, end: number): boolean {
    for (let hops = 0; hops < 16; hops++) {
      switch (type) {
        case ETH_IPV4:
        case ETH_IPV6:
          return this.ip(off, end);
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD:
          // 802.1Q tag: TCI (2), then the next EtherType (2).
          if (end - off < 4) return this.fail('truncated_link');
          type = this.u16(off + 2);
          off += 4;
          break;
        case ETH_VNTAG:
          // Cisco VN-Tag: 4 bytes of tag, then the next EtherType.
          if (end - off < 6) return this.fail('truncated_link');
          type = this.u16(off + 4);
          off += 6;
          break;
        case ETH_ETAG:
          // 802.1BR E-Tag: 6 bytes of tag, then the next EtherType.
          if (end - off < 8) return this.fail('truncated_link');
          type = this.u16(off + 6);
          off += 8;
          break;
        case ETH_MPLS:
        case ETH_MPLS_MC:
          return this.mpls(off, end);
        case ETH_PPPOE:
          // PPPoE session header: ver/type, code, session id, length (6), then PPP protocol (2).
          if (end - off < 8) return this.fail('truncated_link');
          return this.pppProtocol(this.u16(off + 6), off + 8, end);
        default:
          return this.fail('non_ip');
      }
    }
    return this.fail('truncated_link');
  }

  private mpls(off: number, end: number): boolean {
    // Each label stack entry is 4 bytes; bit 8 of the third byte is bottom-of-stack.
    for (;;) {
      if (end - off < 4) return this.fail('truncated_link');
      const bos = this.u8(off + 2) & 0x01;
      off += 4;
      if (bos) break;
    }
    if (off >= end) return this.fail('truncated_link');
    const nibble = this.u8(off) >> 4;
    if (nibble === 4 || nibble === 6) return this.ip(off, end);
    // A zero nibble is the pseudowire control word, followed by an Ethernet frame.
    if (nibble === 0) return this.ethernet(off + 4, end);
    return this.fail('non_ip');
  }

  private ppp(off: number, end: number): boolean {
    if (end - off < 2) return this.fail('truncated_link');
    // HDLC-like framing: address 0xff, control 0x03, may be present or compressed away.
    if (this.u8(off) === 0xff && this.u8(off + 1) === 0x03) off += 2;
    if (end - off < 1) return this.fail('truncated_link');
    // Protocol field compression: an odd first byte is a one-byte protocol.
    if (this.u8(off) & 1) return this.pppProtocol(this.u8(off), off + 1, end);
    if (end - off < 2) return this.fail('truncated_link');
    return this.pppProtocol(this.u16(off), off + 2, end);
  }

  private pppProtocol(proto: number, off: number, end: number): boolean {
    if (proto === PPP_IPV4 || proto === PPP_IPV6) return this.ip(off, end);
    return this.fail('non_ip');
  }

  private ip(off: number, end: number): boolean {
    if (off >= end) return this.fail('truncated_ip');
    // An inner packet must not inherit the outer packet's transport fields.
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = 0;
    this.payloadLen = 0;
    this.payloadCapLen = 0;
    this.udpPayloadLen = -1;
    const version = this.u8(off) >> 4;
    if (version === 4) return this.ipv4(off, end);
    if (version === 6) return this.ipv6(off, end);
    return this.fail(this.depth > 0 ? 'bad_ip_version' : 'non_ip');
  }

  private ipv4(off: number, end: number): boolean {
    if (end - off < 20) return this.fail('truncated_ip');
    const ihl = (this.u8(off) & 0x0f) * 4;
    if (ihl < 20) return this.fail('bad_ip_header');
    if (end - off < ihl) return this.fail('truncated_ip');
    let total = this.u16(off + 2);
    // A zero total length comes from TCP segmentation offload: the wire length is the truth.
    if (total === 0 && this.depth === 0) total = this.wireLen - (off - this.base);
    if (total < ihl) return this.fail('bad_ip_header');
    // Flags (3 bits) and fragment offset (13 bits, in 8-byte units); MF is 0x2000.
    const fragField = this.u16(off + 6);
    const fragOffset = (fragField & 0x1fff) * 8;
    const more = fragField & 0x2000;
    this.ipVersion = 4;
    this.srcOff = off + 12;
    this.dstOff = off + 16;
    this.proto = this.u8(off + 9);
    this.ipLen = total;
    const l4 = off + ihl;
    const l4End = Math.min(end, off + total);
    const l4Len = total - ihl;
    if (fragOffset > 0 || more)
      this.markFragment(fragOffset > 0 ? FRAG_LATER : FRAG_FIRST, this.u16(off + 4));
    if (fragOffset > 0) {
      this.payloadLen = l4Len;
      return true;
    }
    return this.transport(this.proto, l4, l4End, l4Len);
  }

  private ipv6(off: number, end: number): boolean {
    if (end - off < 40) return this.fail('truncated_ip');
    let plen = this.u16(off + 4);
    // A zero payload length means a jumbogram (or offload); the wire length is the truth.
    if (plen === 0 && this.depth === 0) plen = Math.max(0, this.wireLen - (off - this.base) - 40);
    this.ipVersion = 6;
    this.srcOff = off + 8;
    this.dstOff = off + 24;
    this.ipLen = plen + 40;
    const ipEnd = off + 40 + plen;
    const capEnd = Math.min(end, ipEnd);
    let next = this.u8(off + 6);
    let p = off + 40;
    // Extension headers: next header (1), length in 8-byte units not counting the first 8 (1).
    for (let hops = 0; hops < 16; hops++) {
      switch (next) {
        case 0: // hop-by-hop options
        case 43: // routing
        case 60: // destination options
        case 135: // mobility
        case 139: // HIP
        case 140: // shim6
          if (capEnd - p < 8) return this.fail('truncated_ip');
          next = this.u8(p);
          p += (this.u8(p + 1) + 1) * 8;
          continue;
        case IPPROTO.AH:
          // AH counts its length in 4-byte units, minus 2.
          if (capEnd - p < 8) return this.fail('truncated_ip');
          next = this.u8(p);
          p += (this.u8(p + 1) + 2) * 4;
          continue;
        case 44: {
          // Fragment header: next (1), reserved (1), offset (13 bits) + 2 reserved + M (1), id (4).
          if (capEnd - p < 8) return this.fail('truncated_ip');
          const field = this.u16(p + 2);
          next = this.u8(p);
          this.proto = next;
          // An atomic fragment (offset 0, M clear) is a whole datagram: nothing to attribute.
          if (field & 0xfff9) this.markFragment(field & 0xfff8 ? FRAG_LATER : FRAG_FIRST, this.u32(p + 4));
          p += 8;
          if (field & 0xfff8) {
            this.payloadLen = Math.max(0, ipEnd - p);
            return true;
          }
          continue;
        }
        default:
          break;
      }
      break;
    }
    if (p > ipEnd) return this.fail('bad_ip_header');
    this.proto = next;
    return this.transport(next, p, capEnd, ipEnd - p);
  }

  /** Records the fragment train of the current IP header; the outermost fragmented header wins. */
  private markFragment(kind: number, id: number): void {
    if (this.fragment !== FRAG_NONE && kind === FRAG_FIRST) return;
    this.fragment = kind;
    this.fragId = id;
    this.fragVersion = this.ipVersion;
    this.fragSrcOff = this.srcOff;
    this.fragDstOff = this.dstOff;
    this.fragProto = this.proto;
  }

  /**
   * `off..end` is the captured part of the transport segment; `len` its length per the IP header.
   */
  private transport(proto: number, off: number, end: number, len: number): boolean {
    const cap = end - off;
    switch (proto) {
      case IPPROTO.TCP: {
        // A first fragment may end inside the TCP header: its ports still name the flow.
        if (this.fragment === FRAG_FIRST && cap >= 4 && (cap < 20 || len < (this.u8(off + 12) >> 4) * 4)) {
          this.srcPort = this.u16(off);
          this.dstPort = this.u16(off + 2);
          if (cap >= 14) this.tcpFlags = this.u8(off + 13);
          return this.payload(off + cap, end, 0);
        }
        if (cap < 20 || len < 20) return this.fail('truncated_transport');
        const hlen = (this.u8(off + 12) >> 4) * 4;
        if (hlen < 20 || hlen > len) return this.fail('bad_transport_header');
        this.srcPort = this.u16(off);
        this.dstPort = this.u16(off + 2);
        // Flags: CWR ECE URG ACK PSH RST SYN FIN in byte 13; NS is bit 0 of byte 12.
        this.tcpFlags = this.u8(off + 13) | ((this.u8(off + 12) & 1) << 8);
        return this.payload(off + hlen, end, len - hlen);
      }
      case IPPROTO.UDP: {
        if (cap < 8 || len < 8) return this.fail('truncated_transport');
        this.srcPort = this.u16(off);
        this.dstPort = this.u16(off + 2);
        this.payload(off + 8, end, len - 8);
        this.udpPayloadLen = Math.max(0, this.u16(off + 4) - 8);
        if (this.depth < MAX_TUNNEL_DEPTH) this.udpTunnel(off + 8, end);
        return true;
      }
      case IPPROTO.SCTP:
        if (cap < 12 || len < 12) return this.fail('truncated_transport');
        this.srcPort = this.u16(off);
        this.dstPort = this.u16(off + 2);
        return this.payload(off + 12, end, len - 12);
      case IPPROTO.IPIP:
      case IPPROTO.IPV6:
        this.payload(off, end, len);
        if (this.depth < MAX_TUNNEL_DEPTH) {
          const outer = this.ipVersion;
          const kind =
            proto === IPPROTO.IPV6 ? (outer === 4 ? '6in4' : '6in6') : outer === 4 ? 'ipip' : '4in6';
          this.inner(kind, () => this.ip(off, end));
        }
        return true;
      case IPPROTO.GRE:
        this.payload(off, end, len);
        if (this.depth < MAX_TUNNEL_DEPTH) this.gre(off, end);
        return true;
      default:
        // ICMP, ICMPv6, ESP and the rest: port-less flows; ICMP's type and code stay in the payload.
        return this.payload(off, end, len);
    }
  }

  private payload(off: number, end: number, len: number): true {
    this.payloadOff = off;
    this.payloadCapLen = Math.max(0, Math.min(end - off, len));
    this.payloadLen = Math.max(0, len);
    return true;
  }

  /**
   * Decodes an encapsulated packet. If it does not decode, the outer packet stands as it was:
   * the fields are saved first and put back.
   */
  private inner(kind: string, decodeInner: () => boolean): void {
    const saved = this.save();
    this.depth++;
    const outerTunnel = this.tunnel;
    const ok = decodeInner();
    this.depth--;
    if (ok) {
      this.tunnel = outerTunnel === null ? kind : `${outerTunnel}/${kind}`;
    } else {
      this.restore(saved);
    }
  }

  private gre(off: number, end: number): void {
    if (end - off < 4) return;
    // Flags and version (2): C 0x8000 checksum, K 0x2000 key, S 0x1000 sequence; version in low 3 bits.
    const flags = this.u16(off);
    const version = flags & 0x7;
    const proto = this.u16(off + 2);
    let p = off + 4;
    if (flags & 0x8000) p += 4;
    if (flags & 0x2000) p += 4;
    if (flags & 0x1000) p += 4;
    // Enhanced GRE (PPTP, version 1) may carry an acknowledgment number (A bit 0x0080).
    if (version === 1 && flags & 0x0080) p += 4;
    if (p > end) return;
    if (version === 1) {
      if (proto === 0x880b) this.inner('gre', () => this.ppp(p, end));
      return;
    }
    switch (proto) {
      case ETH_IPV4:
      case ETH_IPV6:
        this.inner('gre', () => this.ip(p, end));
        return;
      case ETH_TEB:
        this.inner('gre', () => this.ethernet(p, end));
        return;
      case ETH_MPLS:
        this.inner('gre', () => this.mpls(p, end));
        return;
      case ETH_ERSPAN2:
        // ERSPAN type II: an 8-byte header before the mirrored frame (type I has none and no S bit).
        this.inner('erspan', () => this.ethernet(flags & 0x1000 ? p + 8 : p, end));
        return;
      case ETH_ERSPAN3: {
        // ERSPAN type III: 12 bytes, plus an 8-byte platform subheader when O (bit 0 of byte 11) is set.
        if (end - p < 12) return;
        const extra = this.u8(p + 11) & 0x01 ? 8 : 0;
        this.inner('erspan', () => this.ethernet(p + 12 + extra, end));
        return;
      }
      default:
    }
  }

  private udpTunnel(off: number, end: number): void {
    const dport = this.dstPort;
    const sport = this.srcPort;
    if (dport === UDP_VXLAN) {
      // VXLAN: flags (1, I bit 0x08 must be set), reserved (3), VNI (3), reserved (1).
      if (end - off < 8 || !(this.u8(off) & 0x08)) return;
      this.inner('vxlan', () => this.ethernet(off + 8, end));
    } else if (dport === UDP_GENEVE) {
      // Geneve: version (2 bits) + option length (6 bits, 4-byte units), flags, protocol type (2).
      if (end - off < 8 || this.u8(off) >> 6 !== 0) return;
      const hlen = 8 + (this.u8(off) & 0x3f) * 4;
      const ptype = this.u16(off + 2);
      if (ptype === ETH_TEB) this.inner('geneve', () => this.ethernet(off + hlen, end));
      else if (ptype === ETH_IPV4 || ptype === ETH_IPV6) this.inner('geneve', () => this.ip(off + hlen, end));
    } else if (dport === UDP_GTPU || sport === UDP_GTPU) {
      this.gtpu(off, end);
    }
  }

  private gtpu(off: number, end: number): void {
    // GTPv1-U: flags (version 3 bits = 1, PT, spare, E, S, PN), message type (0xff = G-PDU),
    // length (2), TEID (4); E/S/PN add sequence (2), N-PDU (1), next extension type (1).
    if (end - off < 8) return;
    const flags = this.u8(off);
    if (flags >> 5 !== 1 || !(flags & 0x10) || this.u8(off + 1) !== 0xff) return;
    let p = off + 8;
    if (flags & 0x07) {
      if (end - p < 4) return;
      let nextExt = this.u8(p + 3);
      p += 4;
      // Extension headers: length (1, in 4-byte units), content, next extension type (last byte).
      for (let i = 0; nextExt !== 0 && i < 8; i++) {
        if (end - p < 1) return;
        const elen = this.u8(p) * 4;
        if (elen === 0 || end - p < elen) return;
        nextExt = this.u8(p + elen - 1);
        p += elen;
      }
    }
    this.inner('gtpu', () => this.ip(p, end));
  }

  private save(): number[] {
    return SAVED_FIELDS.map((k) => this[k]);
  }

  private restore(saved: number[]): void {
    this.skip = null;
    SAVED_FIELDS.forEach((k, i) => {
      this[k] = saved[i];
    });
  }
}
