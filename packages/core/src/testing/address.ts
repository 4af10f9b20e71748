// Text <-> bytes for IPv4, IPv6 and MAC addresses, used by the packet builders.

/** Parses dotted-quad IPv4 text ('192.0.2.1') into 4 bytes. Throws on anything else. */
export function parseIPv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address: ${text}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) throw new Error(`invalid IPv4 address: ${text}`);
    const v = Number(p);
    if (v > 255) throw new Error(`invalid IPv4 address: ${text}`);
    out[i] = v;
  }
  return out;
}

/**
 * Parses IPv6 text into 16 bytes. Accepts the '::' compressed form (at most once), an embedded
 * dotted-quad IPv4 tail ('::ffff:192.0.2.1') and, for convenience, a '%zone' suffix (ignored).
 */
export function parseIPv6(text: string): Uint8Array {
  const bad = () => new Error(`invalid IPv6 address: ${text}`);
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const words: number[] = [];
  const parseGroups = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) throw bad();
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    const zeros = 8 - head.length - tail.length;
    if (zeros < 1) throw bad();
    words.push(...head, ...new Array<number>(zeros).fill(0), ...tail);
  } else {
    words.push(...parseGroups(s));
    if (words.length !== 8) throw bad();
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/** Whether the text is an IPv6 address (by the presence of ':'); otherwise it is taken as IPv4. */
export function isIPv6Text(text: string): boolean {
  return text.includes(':');
}

/** Parses IPv4 or IPv6 text (chosen by the presence of ':') into 4 or 16 bytes. */
export function parseIP(text: string): Uint8Array {
  return isIPv6Text(text) ? parseIPv6(text) : parseIPv4(text);
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Formats 16 bytes as canonical RFC 5952 text (lower case, longest zero run of 2+ groups as '::'). */
export function formatIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** A MAC address as 'aa:bb:cc:dd:ee:ff' (or '-' separated) text or 6 bytes. */
export type MacAddress = string | Uint8Array;

export function parseMac(mac: MacAddress): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new Error(`MAC address must be 6 bytes, got ${mac.length}`);
    return mac;
  }
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`invalid MAC address: ${mac}`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

export function formatMac(b: Uint8Array): string {
  return Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

// Builders parse the same few addresses millions of times when generating benchmark captures, so
// they go through these caches. The returned arrays are shared: read them, never modify them.
const ipCache = new Map<string, Uint8Array>();
const macCache = new Map<string, Uint8Array>();
const CACHE_LIMIT = 1 << 16;

/** parseIP through a cache; the result is shared and must not be modified. */
export function ipBytes(text: string): Uint8Array {
  let b = ipCache.get(text);
  if (b === undefined) {
    if (ipCache.size >= CACHE_LIMIT) ipCache.clear();
    b = parseIP(text);
    ipCache.set(text, b);
  }
  return b;
}

/** parseMac through a cache; the result is shared and must not be modified. */
export function macBytes(mac: MacAddress): Uint8Array {
  if (typeof mac !== 'string') return parseMac(mac);
  let b = macCache.get(mac);
  if (b === undefined) {
    if (macCache.size >= CACHE_LIMIT) macCache.clear();
    b = parseMac(mac);
    macCache.set(mac, b);
  }
  return b;
}
