import { parseIPv4, parseIPv6 } from '@capstream/core/ip-words';
import type { AddressScope } from '@capstream/pipeline';

/**
 * Where an address sits, from the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (RFC 6890 and its updates). Only 'public' addresses are geolocated.
 *
 * IPv4-mapped (::ffff:0:0/96) addresses are their IPv4 address. Addresses that carry a public
 * IPv4 address the host is reached at (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32's
 * client) are 'public' and looked up as that IPv4 address; carrying a non-public one they are
 * 'reserved' (RFC 6052 section 3.1 forbids it for the well-known prefix).
 *
 * Text that is no address at all is 'reserved' (never geolocated) rather than an exception: one
 * bad row must not stop a partition.
 */
export class ResolvedAddress {
  scope: AddressScope = 'reserved';
  /** 4 when the address to look up is IPv4 (native or embedded), 6 for IPv6, 0 when unparsable. */
  family: 0 | 4 | 6 = 0;
  /** The IPv4 address to look up, when family is 4. */
  v4 = 0;
  /** The IPv6 address as 4 words, when family is 6. */
  readonly v6 = new Uint32Array(4);
  /** True when v4 was taken out of an IPv6 address. */
  embedded = false;
}

/** Scope of an IPv4 address given as a uint32. */
export function scopeOfIPv4(a: number): AddressScope {
  const o1 = a >>> 24;
  if (o1 < 224) {
    switch (o1) {
      case 0: // 0.0.0.0/8 "this network"
        return 'reserved';
      case 10:
        return 'private';
      case 100: // 100.64.0.0/10
        return (a & 0xffc00000) >>> 0 === 0x64400000 ? 'shared' : 'public';
      case 127:
        return 'loopback';
      case 169: // 169.254.0.0/16
        return (a & 0xffff0000) >>> 0 === 0xa9fe0000 ? 'link-local' : 'public';
      case 172: // 172.16.0.0/12
        return (a & 0xfff00000) >>> 0 === 0xac100000 ? 'private' : 'public';
      case 192: {
        const o2 = (a >>> 16) & 0xff;
        if (o2 === 168) return 'private';
        if (o2 !== 0 && o2 !== 88) return 'public';
        const n24 = (a & 0xffffff00) >>> 0;
        // 192.0.0.0/24 IETF protocol assignments, except the anycast 192.0.0.9 (PCP) and .10 (TURN).
        if (n24 === 0xc0000000) return a === 0xc0000009 || a === 0xc000000a ? 'public' : 'reserved';
        if (n24 === 0xc0000200) return 'documentation'; // 192.0.2.0/24 TEST-NET-1
        if (n24 === 0xc0586300) return 'reserved'; // 192.88.99.0/24 deprecated 6to4 relay anycast
        return 'public';
      }
      case 198: {
        if ((a & 0xfffe0000) >>> 0 === 0xc6120000) return 'reserved'; // 198.18.0.0/15 benchmarking
        return (a & 0xffffff00) >>> 0 === 0xc6336400 ? 'documentation' : 'public'; // 198.51.100.0/24
      }
      case 203: // 203.0.113.0/24 TEST-NET-3
        return (a & 0xffffff00) >>> 0 === 0xcb007100 ? 'documentation' : 'public';
      default:
        return 'public';
    }
  }
  if (o1 < 240) return 'multicast'; // 224.0.0.0/4
  return a === 0xffffffff ? 'broadcast' : 'reserved'; // 240.0.0.0/4 class E
}

/** A v4 address carried inside IPv6: its own scope if public, otherwise 'reserved'. */
function embeddedPublic(out: ResolvedAddress, v4: number): AddressScope {
  out.family = 4;
  out.v4 = v4 >>> 0;
  out.embedded = true;
  return scopeOfIPv4(out.v4) === 'public' ? 'public' : 'reserved';
}

function scopeOfIPv6(w: Uint32Array, out: ResolvedAddress): AddressScope {
  const w0 = w[0];
  const top16 = w0 >>> 16;
  if (top16 >= 0x2000 && top16 <= 0x3fff) {
    // 2000::/3, global unicast, with its special blocks.
    if (top16 === 0x2001) {
      const low16 = w0 & 0xffff;
      if (low16 === 0x0db8) return 'documentation'; // 2001:db8::/32
      if (low16 < 0x0200) return ietf2001(w, out); // 2001::/23
      return 'public';
    }
    if (top16 === 0x2002) return embeddedPublic(out, ((w0 & 0xffff) << 16) | (w[1] >>> 16)); // 6to4
    if (top16 === 0x3fff && (w0 & 0xf000) === 0) return 'documentation'; // 3fff::/20 (RFC 9637)
    return 'public';
  }
  if (top16 >= 0xfc00) {
    if (top16 >= 0xff00) return 'multicast'; // ff00::/8
    if (top16 < 0xfe00) return 'unique-local'; // fc00::/7
    if (top16 < 0xfe80) return 'reserved';
    if (top16 < 0xfec0) return 'link-local'; // fe80::/10
    return 'reserved'; // fec0::/10 deprecated site-local
  }
  if (w0 === 0 && w[1] === 0) {
    const w2 = w[2];
    const w3 = w[3];
    if (w2 === 0xffff) {
      // ::ffff:0:0/96 IPv4-mapped: the IPv4 address itself.
      out.family = 4;
      out.v4 = w3;
      out.embedded = true;
      return scopeOfIPv4(w3);
    }
    if (w2 === 0 && w3 === 1) return 'loopback'; // ::1
    return 'reserved'; // :: unspecified, deprecated IPv4-compatible ::/96, the rest of ::/8
  }
  // 64:ff9b::/96 well-known NAT64 prefix (64:ff9b:1::/48 local-use translation stays reserved).
  if (w0 === 0x0064ff9b && w[1] === 0 && w[2] === 0) return embeddedPublic(out, w[3]);
  // Everything else outside 2000::/3 is unassigned or special-purpose: 100::/64 discard-only,
  // 5f00::/16 SRv6 SIDs, ...
  return 'reserved';
}

/** 2001::/23, IETF protocol assignments: reserved, except the blocks IANA marks globally reachable. */
function ietf2001(w: Uint32Array, out: ResolvedAddress): AddressScope {
  const w0 = w[0];
  const w1 = w[1];
  // 2001::/32 Teredo: the client's public IPv4 address is the last 32 bits inverted (RFC 4380).
  if (w0 === 0x20010000) return embeddedPublic(out, ~w[3]);
  // 2001:1::1, ::2, ::3 PCP, TURN and DNS-SD SRP anycast.
  if (w0 === 0x20010001 && w1 === 0 && w[2] === 0 && w[3] >= 1 && w[3] <= 3) return 'public';
  if (w0 === 0x20010003) return 'public'; // 2001:3::/32 AMT
  if (w0 === 0x20010004 && w1 >>> 16 === 0x0112) return 'public'; // 2001:4:112::/48 AS112-v6
  // 2001:20::/28 ORCHIDv2 and 2001:30::/28 drone remote ID.
  if ((w0 & 0xfffffff0) >>> 0 === 0x20010020 || (w0 & 0xfffffff0) >>> 0 === 0x20010030) return 'public';
  return 'reserved'; // 2001:2::/48 benchmarking, 2001:10::/28 ORCHID, and unassigned
}

/**
 * Parses and classifies `ip` into `out` (reused by the caller: no allocation). Returns the scope,
 * also left in `out.scope` with the address to look up.
 */
export function resolveAddress(ip: string, out: ResolvedAddress): AddressScope {
  out.embedded = false;
  let scope: AddressScope;
  if (typeof ip !== 'string') {
    // A malformed message (no address field): never geolocated, never a crash.
    out.family = 0;
    scope = 'reserved';
  } else if (ip.indexOf(':') < 0) {
    const v4 = parseIPv4(ip);
    if (v4 < 0) {
      out.family = 0;
      scope = 'reserved';
    } else {
      out.family = 4;
      out.v4 = v4;
      scope = scopeOfIPv4(v4);
    }
  } else if (parseIPv6(ip, out.v6)) {
    out.family = 6;
    scope = scopeOfIPv6(out.v6, out);
  } else {
    out.family = 0;
    scope = 'reserved';
  }
  out.scope = scope;
  return scope;
}

const scratch = new ResolvedAddress();

/** Where `ip` (IPv4 or IPv6 text) sits. Unparsable text is 'reserved'. */
export function addressScope(ip: string): AddressScope {
  return resolveAddress(ip, scratch);
}
