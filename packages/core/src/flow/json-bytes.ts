import { ascii, writeDottedQuad, writeHex8, writeNanos, writeUint } from '../ascii.ts';
import { IPPROTO } from '../decode/decoder.ts';
import type { Flow } from './flow.ts';
import { writeKeyAddressV6 } from './flow-key.ts';
import { flowIdWords, joinAlpn } from './record.ts';
import { flagLetters, tcpState } from './tcp-state.ts';
import { isoTime, writeIsoTime } from './time.ts';

/**
 * The `capstream flows` JSON line of a flow, newline included, written as bytes straight into an
 * output buffer: the same bytes as `jsonLine(toFlowRecord(flow, precision))` in UTF-8.
 *
 * Why by hand: the string route made about 4 KB of garbage per flow (the record, its number and
 * time strings, the concatenation and its flattening, then the UTF-8 copy), which was most of
 * what `capstream flows` allocated and the largest part of its time after the parse itself.
 * Nothing per flow becomes a string but an IPv6 address (and a rare odd duration or time).
 *
 * One statement per field, in contract order: a loop over a table of fields would call a
 * different writer at each step, the megamorphic call this file exists to avoid.
 *
 * The caller makes room for `jsonLineBound(flow)` bytes from `pos`; the end position is returned.
 * test/flow/json-bytes.test.ts holds both routes to the same bytes.
 */
export function writeJsonLine(flow: Flow, precision: number, buf: Buffer, pos: number): number {
  const id = flowIdWords(flow);
  let p = bytes(buf, pos, K_FLOW_ID);
  p = writeHex8(buf, p, id[0]);
  p = writeHex8(buf, p, id[1]);
  const v4 = flow.ipVersion === 4;
  p = bytes(buf, p, K_SRC_IP);
  p = v4 ? ipv4(buf, p, flow.srcV4()) : ipv6(buf, p, flow, flow.srcIsA);
  p = bytes(buf, p, K_SRC_PORT);
  p = port(buf, p, flow.srcPort);
  p = bytes(buf, p, K_DST_IP);
  p = v4 ? ipv4(buf, p, flow.dstV4()) : ipv6(buf, p, flow, !flow.srcIsA);
  p = bytes(buf, p, K_DST_PORT);
  p = port(buf, p, flow.dstPort);
  p = bytes(buf, p, K_IP_VERSION);
  p = num(buf, p, flow.ipVersion);
  p = bytes(buf, p, K_IP_PROTO);
  p = num(buf, p, flow.proto);
  p = bytes(buf, p, K_PACKETS_SRC);
  p = num(buf, p, flow.packets0);
  p = bytes(buf, p, K_PACKETS_DST);
  p = num(buf, p, flow.packets1);
  p = bytes(buf, p, K_BYTES_SRC);
  p = num(buf, p, flow.bytes0);
  p = bytes(buf, p, K_BYTES_DST);
  p = num(buf, p, flow.bytes1);
  p = bytes(buf, p, K_PAYLOAD_SRC);
  p = num(buf, p, flow.payload0);
  p = bytes(buf, p, K_PAYLOAD_DST);
  p = num(buf, p, flow.payload1);
  p = bytes(buf, p, K_FIRST_SEEN);
  p = time(buf, p, flow.firstSec, flow.firstNsec, precision);
  p = bytes(buf, p, K_LAST_SEEN);
  p = time(buf, p, flow.lastSec, flow.lastNsec, precision);
  p = bytes(buf, p, K_DURATION);
  const durationNs = (flow.lastSec - flow.firstSec) * 1e9 + (flow.lastNsec - flow.firstNsec);
  p = duration(buf, p, Math.max(0, durationNs));
  const app = flow.app;
  p = bytes(buf, p, K_APP);
  p = label(buf, p, app === null ? 'unknown' : app.app);
  p = bytes(buf, p, K_SERVER_NAME);
  p = flow.serverName === null ? bytes(buf, p, NULL) : text(buf, p, flow.serverName);
  p = bytes(buf, p, K_TLS_VERSION);
  p = label(buf, p, app === null ? null : app.tlsVersion);
  p = bytes(buf, p, K_ALPN);
  const alpn = app === null ? null : app.alpn;
  p = alpn == null ? bytes(buf, p, NULL) : text(buf, p, alpn.length === 1 ? alpn[0] : joinAlpn(alpn));
  p = bytes(buf, p, K_QUIC_VERSION);
  p = label(buf, p, app === null ? null : app.quicVersion);
  const tcp = flow.proto === IPPROTO.TCP;
  p = bytes(buf, p, K_TCP_STATE);
  p = label(buf, p, tcp ? tcpState(flow.history) : null);
  p = bytes(buf, p, K_TCP_FLAGS_SRC);
  p = label(buf, p, tcp ? flagLetters(flow.flags0) : null);
  p = bytes(buf, p, K_TCP_FLAGS_DST);
  p = label(buf, p, tcp ? flagLetters(flow.flags1) : null);
  p = bytes(buf, p, K_TUNNEL);
  p = label(buf, p, flow.tunnel);
  buf[p] = 0x7d; // }
  buf[p + 1] = 0x0a;
  return p + 2;
}

/**
 * Most bytes writeJsonLine can write for this flow: the fixed part, with numbers and times at
 * their longest, plus six bytes per character of text (a `\u00xx` escape; UTF-8 needs at most 3).
 */
export function jsonLineBound(flow: Flow): number {
  const app = flow.app;
  let chars = 0;
  if (flow.serverName !== null) chars += flow.serverName.length;
  if (flow.tunnel !== null) chars += flow.tunnel.length;
  if (app !== null) {
    chars += app.app.length;
    if (app.tlsVersion !== null) chars += app.tlsVersion.length;
    if (app.quicVersion !== null) chars += app.quicVersion.length;
    if (app.alpn != null) for (let i = 0; i < app.alpn.length; i++) chars += app.alpn[i].length + 1;
  }
  return FIXED_BOUND + 6 * chars;
}

const K_FLOW_ID = ascii('{"flow_id":"');
const K_SRC_IP = ascii('","src_ip":');
const K_SRC_PORT = ascii(',"src_port":');
const K_DST_IP = ascii(',"dst_ip":');
const K_DST_PORT = ascii(',"dst_port":');
const K_IP_VERSION = ascii(',"ip_version":');
const K_IP_PROTO = ascii(',"ip_proto":');
const K_PACKETS_SRC = ascii(',"packets_src":');
const K_PACKETS_DST = ascii(',"packets_dst":');
const K_BYTES_SRC = ascii(',"bytes_src":');
const K_BYTES_DST = ascii(',"bytes_dst":');
const K_PAYLOAD_SRC = ascii(',"payload_bytes_src":');
const K_PAYLOAD_DST = ascii(',"payload_bytes_dst":');
const K_FIRST_SEEN = ascii(',"first_seen":"');
const K_LAST_SEEN = ascii('","last_seen":"');
const K_DURATION = ascii('","duration":');
const K_APP = ascii(',"app":');
const K_SERVER_NAME = ascii(',"server_name":');
const K_TLS_VERSION = ascii(',"tls_version":');
const K_ALPN = ascii(',"alpn":');
const K_QUIC_VERSION = ascii(',"quic_version":');
const K_TCP_STATE = ascii(',"tcp_state":');
const K_TCP_FLAGS_SRC = ascii(',"tcp_flags_src":');
const K_TCP_FLAGS_DST = ascii(',"tcp_flags_dst":');
const K_TUNNEL = ascii(',"tunnel":');
const NULL = ascii('null');

/**
 * The keys, 16 hex digits, 11 numbers of up to 24 characters, two times of up to 40, two addresses
 * of up to 45 (an IPv4-mapped IPv6 address) and their quotes, braces.
 */
const FIXED_BOUND = 512 + 11 * 24 + 2 * 40 + 2 * 48 + 64;

function bytes(buf: Buffer, p: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) buf[p + i] = b[i];
  return p + b.length;
}

function port(buf: Buffer, p: number, n: number): number {
  return n < 0 ? bytes(buf, p, NULL) : num(buf, p, n);
}

/** A number as JavaScript prints it: non-negative int32s by arithmetic, the rest by String. */
function num(buf: Buffer, p: number, n: number): number {
  return n >= 0 && n <= 0x7fffffff && (n | 0) === n ? writeUint(buf, p, n) : chars(buf, p, String(n));
}

/** Durations from 1 µs up to this many nanoseconds (2^23 s, 97 days) are written from the integer. */
const EXACT_DURATION_NS = 2 ** 23 * 1e9;

/**
 * `ns / 1e9` seconds as JavaScript prints it (the shortest decimal that reads back as the same
 * double), written from the integer: String() of a float took ~0.15-0.3 µs, a tenth of a line.
 * The double nearest ns/1e9 lies less than 2^-31 s from it below 2^23 s, while any other decimal
 * of at most nine fraction digits is at least 1e-9 away: so the shortest that reads back is ns/1e9
 * itself, its trailing zeros dropped. Below 1 µs JavaScript writes an exponent (`5e-7`), and odd
 * inputs (fractions of a nanosecond, very long spans) take String() too.
 */
function duration(buf: Buffer, p: number, ns: number): number {
  if (ns === 0) {
    buf[p] = 0x30;
    return p + 1;
  }
  if (ns < 1000 || ns >= EXACT_DURATION_NS || !Number.isInteger(ns)) return chars(buf, p, String(ns / 1e9));
  const frac = ns % 1e9;
  p = writeUint(buf, p, (ns - frac) / 1e9);
  if (frac === 0) return p;
  buf[p] = 0x2e; // .
  // The nine fraction digits without their trailing zeros.
  let digits = 9;
  for (let f = frac; f % 10 === 0; f /= 10) digits--;
  return writeNanos(buf, p + 1, frac, digits);
}

/** Dotted-quad text of an unsigned 32-bit address, quoted. */
function ipv4(buf: Buffer, p: number, a: number): number {
  buf[p] = 0x22;
  p = writeDottedQuad(buf, p + 1, a);
  buf[p] = 0x22;
  return p + 1;
}

/** Characters the code made itself (ASCII): as they are, in UTF-8 when they are not ASCII after all. */
function chars(buf: Buffer, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return p + buf.write(s, p);
    buf[p + i] = c;
  }
  return p + s.length;
}

/** A label the code made, quoted, or null; as format.ts's label(). */
function label(buf: Buffer, p: number, s: string | null): number {
  if (s === null) return bytes(buf, p, NULL);
  buf[p] = 0x22;
  p = chars(buf, p + 1, s);
  buf[p] = 0x22;
  return p + 1;
}

/** Text that may come from the wire, quoted; anything JSON must escape goes through JSON.stringify, as format.ts's str(). */
function text(buf: Buffer, p: number, s: string): number {
  buf[p] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return p + buf.write(JSON.stringify(s), p);
    buf[p + 1 + i] = c;
  }
  buf[p + 1 + s.length] = 0x22;
  return p + s.length + 2;
}

/** An IPv6 flow's endpoint A or B as its canonical text, quoted. */
function ipv6(buf: Buffer, p: number, flow: Flow, endpointA: boolean): number {
  buf[p] = 0x22;
  p = writeKeyAddressV6(buf, p + 1, flow.key, endpointA);
  buf[p] = 0x22;
  return p + 1;
}

/** isoTime(sec, nsec, digits) as bytes. */
function time(buf: Buffer, p: number, sec: number, nsec: number, digits: number): number {
  const end = writeIsoTime(buf, p, sec, nsec, digits);
  return end >= 0 ? end : chars(buf, p, isoTime(sec, nsec, digits));
}
