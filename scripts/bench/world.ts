// The benchmark capture's world: client and server addresses (public IPv4 across many /8s, IPv6 in
// RIR-allocated /12s), DNS resolvers, host names and the routers' MAC addresses. Built once from its own
// seed.
import type { Rng } from './rng.ts';

export function be16(b: Uint8Array, o: number, x: number): void {
  b[o] = (x >>> 8) & 0xff;
  b[o + 1] = x & 0xff;
}

/** First octets of IPv4 space that is neither private, loopback, CGN, link-local, multicast nor reserved. */
const PUBLIC_V4_FIRST: number[] = [];
for (let a = 1; a <= 223; a++) if (a !== 10 && a !== 100 && a !== 127) PUBLIC_V4_FIRST.push(a);

function publicV4(rng: Rng, first = rng.pick(PUBLIC_V4_FIRST)): Uint8Array {
  for (;;) {
    const b = Uint8Array.of(first, rng.int(256), rng.int(256), rng.range(1, 254));
    if (first === 172 && b[1] >= 16 && b[1] < 32) continue;
    if (first === 192 && (b[1] === 168 || (b[1] === 0 && (b[2] === 0 || b[2] === 2)))) continue;
    if (first === 169 && b[1] === 254) continue;
    if (first === 198 && (b[1] === 18 || b[1] === 19 || (b[1] === 51 && b[2] === 100))) continue;
    if (first === 203 && b[1] === 0 && b[2] === 113) continue;
    return b;
  }
}

/** Global unicast IPv6 prefixes in RIR-allocated space (2001::/16 and 2400::/12 ... 2a00::/12 style). */
const V6_FIRST = [
  0x2001, 0x2003, 0x2400, 0x2401, 0x2404, 0x2600, 0x2601, 0x2602, 0x2604, 0x2606, 0x2607, 0x2620, 0x2800,
  0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2a04, 0x2a05,
];

function v6Prefix(rng: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const first = rng.pick(V6_FIRST);
  be16(b, 0, first);
  // keep clear of 2001:db8::/32 (documentation)
  be16(b, 2, first === 0x2001 ? rng.range(0x0400, 0x0dff) : rng.int(0x10000));
  be16(b, 4, rng.int(0x10000));
  return b;
}

function withIid(rng: Rng, prefix: Uint8Array, subnetBytes: number, random: boolean): Uint8Array {
  const b = prefix.slice();
  for (let i = 6; i < 6 + subnetBytes; i++) b[i] = rng.int(256);
  if (random) rng.fill(b, 8, 8);
  else be16(b, 14, rng.range(1, 0x2ff));
  return b;
}

function parseV4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.'), Number);
}

function parseV6(s: string): Uint8Array {
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) be16(b, 2 * i, Number.parseInt(words[i], 16));
  return b;
}

export const RESOLVERS_V4 = '8.8.8.8 8.8.4.4 1.1.1.1 1.0.0.1 9.9.9.9 208.67.222.222 149.112.112.112'
  .split(' ')
  .map(parseV4);
export const RESOLVERS_V6 = '2001:4860:4860::8888 2001:4860:4860::8844 2606:4700:4700::1111 2620:fe::fe'
  .split(' ')
  .map(parseV6);

const SYLLABLES =
  'ka lo mi net ra zo tek flux bit star cloud data shop news play gram via on go box hub pix tube line mark'
    .concat(' sync ar ve lu sa')
    .split(' ');
const SUBDOMAINS = 'www www api cdn static img m login edge assets video update push ws app mail'.split(' ');
const TLDS = 'com com com net org io de co.uk fr jp ru com.br nl it app tv pl in'.split(' ');

export class World {
  readonly clients4: Uint8Array[] = [];
  readonly clients6: Uint8Array[] = [];
  readonly servers4: Uint8Array[] = [];
  readonly servers6: Uint8Array[] = [];
  readonly hosts: string[] = [];
  readonly isp4: Uint8Array[] = [];
  /** Router MACs on either side of the link, as pairs. */
  readonly macs: Uint8Array[][] = [];

  constructor(rng: Rng) {
    // Clients: an ISP's customers in 220 /24s inside 14 /16s, plus 4,000 IPv6 hosts in 60 /56s.
    const sixteens = Array.from({ length: 14 }, () => publicV4(rng));
    for (let i = 0; i < 220; i++) {
      const p = rng.pick(sixteens);
      const third = rng.int(256);
      for (let j = 0; j < 90; j++) this.clients4.push(Uint8Array.of(p[0], p[1], third, rng.range(2, 254)));
    }
    const v6Nets = Array.from({ length: 60 }, () => v6Prefix(rng));
    for (let i = 0; i < 4000; i++) this.clients6.push(withIid(rng, rng.pick(v6Nets), 2, true));
    const s = rng.pick(sixteens);
    this.isp4.push(Uint8Array.of(s[0], s[1], 0, 53), Uint8Array.of(s[0], s[1], 1, 53));
    // Servers: 60% in 500 CDN/cloud /24s, the rest anywhere in public space.
    const cdn = Array.from({ length: 500 }, () => publicV4(rng));
    for (let i = 0; i < 30000; i++) {
      if (rng.chance(0.6)) {
        const p = rng.pick(cdn);
        this.servers4.push(Uint8Array.of(p[0], p[1], p[2], rng.range(1, 254)));
      } else this.servers4.push(publicV4(rng));
    }
    const v6Srv = Array.from({ length: 300 }, () => v6Prefix(rng));
    for (let i = 0; i < 6000; i++) this.servers6.push(withIid(rng, rng.pick(v6Srv), 2, rng.chance(0.3)));
    for (let i = 0; i < 25000; i++) {
      let word = '';
      const n = rng.range(2, 3);
      for (let k = 0; k < n; k++) word += rng.pick(SYLLABLES);
      if (rng.chance(0.15)) word += rng.range(1, 99);
      const sub = rng.chance(0.8) ? `${rng.pick(SUBDOMAINS)}.` : '';
      this.hosts.push(`${sub}${word}.${rng.pick(TLDS)}`);
    }
    for (let i = 0; i < 4; i++) {
      const a = rng.bytes(6);
      const b = rng.bytes(6);
      a[0] &= 0xfc; // unicast, globally administered
      b[0] &= 0xfc;
      this.macs.push([a, b]);
    }
  }

  /** The server addresses a host name resolves to (stable per name). */
  server4(host: number): Uint8Array {
    return this.servers4[(host * 7919 + (host >>> 3)) % this.servers4.length];
  }

  server6(host: number): Uint8Array {
    return this.servers6[(host * 104729 + (host >>> 2)) % this.servers6.length];
  }
}
