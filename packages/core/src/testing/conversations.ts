// Whole conversations as timestamped IP packets, and link-layer framing for them.

import { ethernet, ipTcp, ipUdp, LINKTYPE, nullLoopback, sll, sll2 } from './packets.ts';
import type { WriterPacket } from './pcap-writer.ts';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface ConversationPacket {
  tsNs: bigint;
  ipPacket: Uint8Array;
  fromClient: boolean;
}

export interface TcpConversationOptions {
  client: Endpoint;
  server: Endpoint;
  startNs: bigint;
  /** Client payloads; request i is answered by response i (either may be missing). */
  requests?: Uint8Array[];
  responses?: Uint8Array[];
  /** How the client ends it: FIN/FIN-ACK/ACK (default), RST-ACK, or not at all. */
  close?: 'fin' | 'rst' | 'none';
  /** Round-trip time; a reply comes rttNs/2 after what it answers. Default 10 ms. */
  rttNs?: bigint;
  /** Spacing of back-to-back packets from one side. Default 10 us. */
  gapNs?: bigint;
  /** Maximum segment size (also announced in the SYNs). Default 1460. */
  mss?: number;
  /** Initial sequence numbers; defaults 1000 (client) and 5000 (server). */
  isn?: { client?: number; server?: number };
  /** The receiver ACKs every n-th full segment and the last segment of each message. Default 2. */
  ackEvery?: number;
  window?: number;
}

/**
 * A complete TCP connection: SYN, SYN-ACK, ACK; each request segmented by mss and ACKed by the
 * server, then its response likewise; then the close. Sorted by time. Address family by `client.ip`.
 */
export function tcpConversation(o: TcpConversationOptions): ConversationPacket[] {
  const half = (o.rttNs ?? 10_000_000n) / 2n;
  const gap = o.gapNs ?? 10_000n;
  const mss = o.mss ?? 1460;
  const ackEvery = o.ackEvery ?? 2;
  const window = o.window ?? 65535;
  const requests = o.requests ?? [];
  const responses = o.responses ?? [];
  const out: ConversationPacket[] = [];
  // next sequence number each side will send; ipId per side for IPv4
  const seq = { c: (o.isn?.client ?? 1000) >>> 0, s: (o.isn?.server ?? 5000) >>> 0 };
  const ipId = { c: 1, s: 1 };
  let last = o.startNs;

  const send = (
    fromClient: boolean,
    flags: string,
    t: bigint,
    payload: Uint8Array = new Uint8Array(0),
    mssOpt = false,
  ) => {
    const me = fromClient ? 'c' : 's';
    const peer = fromClient ? 's' : 'c';
    const a = fromClient ? o.client : o.server;
    const b = fromClient ? o.server : o.client;
    const ipPacket = ipTcp(
      {
        src: a.ip,
        dst: b.ip,
        sport: a.port,
        dport: b.port,
        seq: seq[me],
        ack: flags.includes('A') ? seq[peer] : 0,
        flags,
        window,
        options: mssOpt ? { mss } : undefined,
        id: ipId[me]++ & 0xffff,
        df: true,
      },
      payload,
    );
    const consumed = payload.length + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0);
    seq[me] = (seq[me] + consumed) >>> 0;
    out.push({ tsNs: t, ipPacket, fromClient });
    if (t > last) last = t;
  };

  // one message from one side, segmented, with the receiver's ACKs half an RTT after each acked segment
  const message = (fromClient: boolean, data: Uint8Array) => {
    let t = last + gap;
    const n = Math.max(1, Math.ceil(data.length / mss));
    for (let k = 0; k < n; k++) {
      send(fromClient, k === n - 1 ? 'PA' : 'A', t, data.subarray(k * mss, (k + 1) * mss));
      if ((k + 1) % ackEvery === 0 || k === n - 1) send(!fromClient, 'A', t + half);
      t += gap;
    }
  };

  send(true, 'S', o.startNs, undefined, true);
  send(false, 'SA', o.startNs + half, undefined, true);
  send(true, 'A', o.startNs + 2n * half);
  for (let i = 0; i < Math.max(requests.length, responses.length); i++) {
    if (requests[i]?.length) message(true, requests[i]);
    if (responses[i]?.length) message(false, responses[i]);
  }
  const close = o.close ?? 'fin';
  const t = last + gap;
  if (close === 'fin') {
    send(true, 'FA', t);
    send(false, 'FA', t + half);
    send(true, 'A', t + 2n * half);
  } else if (close === 'rst') {
    send(true, 'RA', t);
  }
  return stableSortByTime(out);
}

export interface UdpExchangeOptions {
  client: Endpoint;
  server: Endpoint;
  startNs: bigint;
  requests?: Uint8Array[];
  responses?: Uint8Array[];
  /** A response comes rttNs after its request; the next request gapNs after that. Defaults 10 ms, 10 us. */
  rttNs?: bigint;
  gapNs?: bigint;
}

/** Request/response datagrams: request i at t, response i at t + rtt, next request after gapNs. */
export function udpExchange(o: UdpExchangeOptions): ConversationPacket[] {
  const rtt = o.rttNs ?? 10_000_000n;
  const gap = o.gapNs ?? 10_000n;
  const requests = o.requests ?? [];
  const responses = o.responses ?? [];
  const out: ConversationPacket[] = [];
  let t = o.startNs;
  const dgram = (fromClient: boolean, payload: Uint8Array) => {
    const a = fromClient ? o.client : o.server;
    const b = fromClient ? o.server : o.client;
    const ipPacket = ipUdp({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port }, payload);
    out.push({ tsNs: t, ipPacket, fromClient });
  };
  for (let i = 0; i < Math.max(requests.length, responses.length); i++) {
    if (requests[i]) dgram(true, requests[i]);
    t += rtt;
    if (responses[i]) dgram(false, responses[i]);
    t += gap;
  }
  return out;
}

/**
 * Wraps an IP packet for a link type: Ethernet (1), raw IP (101, 228, 229), Linux SLL (113),
 * SLL2 (276), BSD null (0, little-endian family) and loop (108, network order).
 */
export function frame(linkType: number, ipPacket: Uint8Array): Uint8Array {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return ethernet({}, ipPacket);
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return ipPacket;
    case LINKTYPE.LINUX_SLL:
      return sll({}, ipPacket);
    case LINKTYPE.LINUX_SLL2:
      return sll2({}, ipPacket);
    case LINKTYPE.NULL:
      return nullLoopback(ipPacket, { byteOrder: 'le' });
    case LINKTYPE.LOOP:
      return nullLoopback(ipPacket, { byteOrder: 'be' });
    default:
      throw new Error(`frame: unsupported link type ${linkType}`);
  }
}

/** Conversation packets framed for `linkType`, ready for the writers. */
export function framed(
  linkType: number,
  packets: readonly { tsNs: bigint; ipPacket: Uint8Array }[],
): WriterPacket[] {
  return packets.map((p) => ({ tsNs: p.tsNs, data: frame(linkType, p.ipPacket) }));
}

/** Merges several time-sorted packet lists into one, by timestamp (stable). */
export function mergeByTime<T extends { tsNs: bigint }>(...lists: T[][]): T[] {
  return stableSortByTime(lists.flat());
}

function stableSortByTime<T extends { tsNs: bigint }>(xs: T[]): T[] {
  // Array.prototype.sort is stable, so equal timestamps keep their order
  return [...xs].sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
}
