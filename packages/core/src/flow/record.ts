import { SCRATCH, scratchText, writeHex8 } from '../ascii.ts';
import { IPPROTO } from '../decode/decoder.ts';
import type { Flow } from './flow.ts';
import { flagLetters, tcpState } from './tcp-state.ts';
import { isoTime } from './time.ts';

/**
 * A flow as other tools see it: the `capstream flows` JSON lines contract. Field names are
 * snake_case and stable; add, never rename.
 */
export interface FlowRecord {
  /** Deterministic: the same flow of the same capture always gets the same id. */
  flow_id: string;
  src_ip: string;
  src_port: number | null;
  dst_ip: string;
  dst_port: number | null;
  ip_version: 4 | 6;
  ip_proto: number;
  packets_src: number;
  packets_dst: number;
  /** IP-layer bytes, from the IP headers' lengths. */
  bytes_src: number;
  bytes_dst: number;
  payload_bytes_src: number;
  payload_bytes_dst: number;
  /** ISO-8601 UTC at the capture's own precision. */
  first_seen: string;
  last_seen: string;
  duration: number;
  app: string;
  server_name: string | null;
  tls_version: string | null;
  alpn: string | null;
  quic_version: string | null;
  tcp_state: string | null;
  tcp_flags_src: string | null;
  tcp_flags_dst: string | null;
  tunnel: string | null;
}

export const FLOW_FIELDS: readonly (keyof FlowRecord)[] = [
  'flow_id',
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'ip_version',
  'ip_proto',
  'packets_src',
  'packets_dst',
  'bytes_src',
  'bytes_dst',
  'payload_bytes_src',
  'payload_bytes_dst',
  'first_seen',
  'last_seen',
  'duration',
  'app',
  'server_name',
  'tls_version',
  'alpn',
  'quic_version',
  'tcp_state',
  'tcp_flags_src',
  'tcp_flags_dst',
  'tunnel',
];

export function toFlowRecord(flow: Flow, precision: number): FlowRecord {
  const tcp = flow.proto === IPPROTO.TCP;
  const app = flow.app;
  const durationNs = (flow.lastSec - flow.firstSec) * 1e9 + (flow.lastNsec - flow.firstNsec);
  return {
    flow_id: flowId(flow),
    src_ip: flow.srcIp,
    src_port: flow.srcPort < 0 ? null : flow.srcPort,
    dst_ip: flow.dstIp,
    dst_port: flow.dstPort < 0 ? null : flow.dstPort,
    ip_version: flow.ipVersion,
    ip_proto: flow.proto,
    packets_src: flow.packets0,
    packets_dst: flow.packets1,
    bytes_src: flow.bytes0,
    bytes_dst: flow.bytes1,
    payload_bytes_src: flow.payload0,
    payload_bytes_dst: flow.payload1,
    first_seen: isoTime(flow.firstSec, flow.firstNsec, precision),
    last_seen: isoTime(flow.lastSec, flow.lastNsec, precision),
    duration: Math.max(0, durationNs) / 1e9,
    app: app?.app ?? 'unknown',
    server_name: flow.serverName,
    tls_version: app?.tlsVersion ?? null,
    alpn: app?.alpn == null ? null : joinAlpn(app.alpn),
    quic_version: app?.quicVersion ?? null,
    tcp_state: tcp ? tcpState(flow.history) : null,
    tcp_flags_src: tcp ? flagLetters(flow.flags0) : null,
    tcp_flags_dst: tcp ? flagLetters(flow.flags1) : null,
    tunnel: flow.tunnel,
  };
}

/** Same as alpn.join(','), which costs several times more than a loop for these one- or two-item lists. */
export function joinAlpn(alpn: readonly string[]): string {
  if (alpn.length === 0) return '';
  let s = alpn[0];
  for (let i = 1; i < alpn.length; i++) s += `,${alpn[i]}`;
  return s;
}

/** FNV-1a (64-bit, as two 32-bit halves) of the 5-tuple key and the first packet's time. */
export function flowId(flow: Flow): string {
  const w = flowIdWords(flow);
  return scratchText(writeHex8(SCRATCH, writeHex8(SCRATCH, 0, w[0]), w[1]));
}

const ID_WORDS = new Uint32Array(2);

/** flowId's two 32-bit halves, in a scratch array that the next call overwrites. */
export function flowIdWords(flow: Flow): Uint32Array {
  const s = flow.key;
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  // The start time as two more 32-bit words (seconds fit in 2^32 until 2106).
  const sec = flow.firstSec >>> 0;
  h1 = Math.imul(h1 ^ sec, 0x01000193);
  h2 = Math.imul(h2 ^ (sec >>> 16), 0x01000193) ^ (h1 >>> 15);
  const nsec = flow.firstNsec;
  h1 = Math.imul(h1 ^ nsec, 0x01000193);
  h2 = Math.imul(h2 ^ (nsec >>> 16), 0x01000193) ^ (h1 >>> 15);
  ID_WORDS[0] = h1;
  ID_WORDS[1] = h2;
  return ID_WORDS;
}
