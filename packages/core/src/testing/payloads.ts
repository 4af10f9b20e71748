// Application payloads (TLS hellos, DNS messages) for fixtures, samples and benchmarks.
// Small and obviously right rather than fast; the benchmark generator builds its own templates.

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

export function join(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

export function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

export function be24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

function vec8(body: Uint8Array): Uint8Array {
  return join([body.length], body);
}

function vec16(body: Uint8Array): Uint8Array {
  return join(be16(body.length), body);
}

function ext(type: number, body: Uint8Array): Uint8Array {
  return join(be16(type), vec16(body));
}

export interface ClientHelloOptions {
  sni?: string;
  alpn?: string[];
  /** supported_versions values, in order. */
  versions?: number[];
  legacyVersion?: number;
  /** Size of an opaque key_share entry (1216 + 32 ~ X25519MLKEM768) to make the hello large. */
  keyShareBytes?: number;
  /** Put server_name last instead of first. */
  sniLast?: boolean;
  noExtensions?: boolean;
  /** A DTLS ClientHello's cookie, after the session id (RFC 6347 §4.2.1). */
  cookie?: Uint8Array;
}

/** A ClientHello handshake message (4-byte handshake header included). */
export function clientHello(o: ClientHelloOptions = {}): Uint8Array {
  const fixed = join(
    be16(o.legacyVersion ?? 0x0303),
    new Uint8Array(32).fill(0x11), // random
    vec8(new Uint8Array(32).fill(0x22)), // legacy_session_id
    o.cookie === undefined ? new Uint8Array(0) : vec8(o.cookie),
    vec16(Uint8Array.from([0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f])), // cipher_suites
    vec8(Uint8Array.from([0])), // compression: null
  );
  if (o.noExtensions) return join([1], be24(fixed.length), fixed);
  const exts: Uint8Array[] = [];
  const sni = o.sni === undefined ? null : ext(0, vec16(join([0], vec16(ascii(o.sni)))));
  if (sni !== null && !o.sniLast) exts.push(sni);
  exts.push(ext(0x0a0a, new Uint8Array(0))); // GREASE extension
  exts.push(ext(10, vec16(Uint8Array.from([0x00, 0x1d, 0x00, 0x17])))); // supported_groups
  if (o.alpn) exts.push(ext(16, vec16(join(...o.alpn.map((a) => vec8(ascii(a)))))));
  if (o.versions) exts.push(ext(43, vec8(join(...o.versions.map(be16)))));
  if (o.keyShareBytes) {
    const share = join(be16(0x11ec), vec16(new Uint8Array(o.keyShareBytes).fill(0x5a)));
    exts.push(ext(51, vec16(share)));
  }
  if (sni !== null && o.sniLast) exts.push(sni);
  const body = join(fixed, vec16(join(...exts)));
  return join([1], be24(body.length), body);
}

/** A ServerHello handshake message; `selected` adds supported_versions, `alpn` the ALPN extension. */
export function serverHello(
  o: { legacyVersion?: number; selected?: number; alpn?: string } = {},
): Uint8Array {
  const exts: Uint8Array[] = [];
  if (o.selected !== undefined) exts.push(ext(43, Uint8Array.from(be16(o.selected))));
  if (o.alpn !== undefined) exts.push(ext(16, vec16(vec8(ascii(o.alpn)))));
  const body = join(
    be16(o.legacyVersion ?? 0x0303),
    new Uint8Array(32).fill(0x33),
    vec8(new Uint8Array(32).fill(0x44)),
    [0x13, 0x01, 0x00],
    vec16(join(...exts)),
  );
  return join([2], be24(body.length), body);
}

/** Wraps handshake bytes into TLS records of at most `fragment` bytes each. */
export function tlsRecords(msg: Uint8Array, fragment = 16384, recordVersion = 0x0301): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let o = 0; o < msg.length; o += fragment) {
    const frag = msg.subarray(o, Math.min(msg.length, o + fragment));
    parts.push(join([22], be16(recordVersion), be16(frag.length), frag));
  }
  return join(...parts);
}

/** Splits bytes into `n` nearly equal segments. */
export function split(b: Uint8Array, n: number): Uint8Array[] {
  const size = Math.ceil(b.length / n);
  const out: Uint8Array[] = [];
  for (let o = 0; o < b.length; o += size) out.push(b.subarray(o, Math.min(b.length, o + size)));
  return out;
}

// ---------------------------------------------------------------- DNS

/** Uncompressed wire name: labels then the root. */
export function dnsName(name: string): Uint8Array {
  const parts = name === '' ? [] : name.split('.');
  return join(...parts.map((l) => vec8(ascii(l))), [0]);
}

/** A compression pointer to message offset `off`. */
export function dnsPtr(off: number): number[] {
  return [0xc0 | (off >> 8), off & 0xff];
}

export function dnsHeader(o: {
  id?: number;
  flags: number;
  qd: number;
  an?: number;
  ns?: number;
  ar?: number;
}): Uint8Array {
  return join(
    be16(o.id ?? 0x1234),
    be16(o.flags),
    be16(o.qd),
    be16(o.an ?? 0),
    be16(o.ns ?? 0),
    be16(o.ar ?? 0),
  );
}

/** A resource record whose owner name bytes are given (name or pointer). */
export function dnsRR(
  owner: Uint8Array | number[],
  type: number,
  ttl: number,
  rdata: Uint8Array | number[],
): Uint8Array {
  const rd = rdata instanceof Uint8Array ? rdata : Uint8Array.from(rdata);
  return join(owner, be16(type), be16(1), be16(ttl >>> 16), be16(ttl & 0xffff), be16(rd.length), rd);
}

export function dnsQuery(name: string, type = 1, flags = 0x0100): Uint8Array {
  return join(dnsHeader({ flags, qd: 1 }), dnsName(name), be16(type), be16(1));
}
