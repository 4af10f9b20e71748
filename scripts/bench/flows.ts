// Flow plans for the benchmark capture: each flow is planned whole, as a time-sorted list of packet events
// (time, direction, TCP flags, payload length, relative seq/ack, payload reference) plus its Ethernet/IP/L4
// header templates and the messages its payloads are cut from. The writer (generate.ts) turns events into
// bytes.
//
// Timing model: the capture point sits at the client side of the link. A packet towards the server is
// answered about one RTT later as seen from there; a packet towards the client is answered after a small host
// delay.
import {
  ascii,
  clientFinished,
  clientHelloMessage,
  clientHelloRecord,
  DNS_A,
  DNS_AAAA,
  DNS_CNAME,
  DNS_HTTPS,
  type DnsAnswer,
  dnsQuery,
  dnsResponse,
  httpRequest,
  httpResponseHead,
  quicClientInitial,
  quicLongHead,
  quicShortHead,
  SSH_CLIENT_BANNERS,
  SSH_SERVER_BANNERS,
  serverHello,
  sshEcdhInit,
  sshEcdhReplyNewKeys,
  sshKexInit,
  sshNewKeys,
} from './payloads.ts';
import { Rng } from './rng.ts';
import { be16, RESOLVERS_V4, RESOLVERS_V6, World } from './world.ts';

/** 2024-05-06 08:00:00 UTC: capture time zero. */
export const BASE_SEC = 1_714_982_400;
export const MS = 1000;
export const SEC = 1_000_000;

export const F_FIN = 0x01;
export const F_SYN = 0x02;
export const F_RST = 0x04;
export const F_PSH = 0x08;
export const F_ACK = 0x10;
const C = 0; // client to server
const S = 1; // server to client

/**
 * Event layout: time (us, capture-relative), dir | flags << 1, payload length, rel seq, rel ack, payload ref.
 */
export const STRIDE = 6;
/** A payload ref is offset * REF_SCALE + message index. */
export const REF_SCALE = 4096;
/**
 * A full TLS 1.3 record: 5-byte header + 2^14 plaintext + content type + 16-byte AEAD tag (RFC 8446 §5.2).
 */
export const TLS_RECORD = 5 + 16384 + 1 + 16;

export const KIND_NAMES = [
  'tls',
  'http',
  'dns',
  'quic',
  'ssh',
  'ntp',
  'tcp-other',
  'tcp-failed',
  'udp-other',
  'rtp',
] as const;
type KindName = (typeof KIND_NAMES)[number];
const K = Object.fromEntries(KIND_NAMES.map((k, i) => [k, i])) as Record<KindName, number>;

/**
 * What a flow's payload bytes are cut from: `content` for the first bytes, opaque pool bytes after it; with
 * `recordsAt` >= 0 the bytes from there on are a stream of TLS application_data records, whose 5-byte headers
 * the writer puts in place.
 */
export interface Msg {
  content: Buffer;
  total: number;
  recordsAt: number;
}

const EMPTY: Msg = { content: Buffer.alloc(0), total: 0, recordsAt: -1 };

/** A flow ready to be written: header templates per direction and its time-sorted events. */
export class Flow {
  /** The next event to write. */
  i = 0;
  emitted = false;
  constructor(
    readonly kind: number,
    readonly tcp: boolean,
    readonly v6: boolean,
    /** Ethernet + IP + TCP/UDP header per direction (client to server, server to client). */
    readonly tpl: [Buffer, Buffer],
    /** IPv4 header word sums of the templates (length, id and checksum still 0). */
    readonly ipSum: [number, number],
    /** Pseudo-header word sums (addresses and protocol) for the TCP/UDP checksum. */
    readonly pseudoSum: [number, number],
    readonly ev: Float64Array,
    readonly n: number,
    readonly msgs: Msg[],
    readonly isn: [number, number],
    readonly ipId: [number, number],
    readonly tsBase: [number, number],
    readonly useTs: boolean,
    /** MSS announced in the SYNs. */
    readonly mss: number,
    readonly wscale: number,
    readonly halfRtt: number,
  ) {}
}

/**
 * Bytes of TCP options a packet carries: MSS/SACK-permitted/timestamps/window scale on SYNs, timestamps
 * after.
 */
export function tcpOptLen(flags: number, useTs: boolean): number {
  if (flags & F_SYN) return useTs ? 20 : 12;
  return useTs ? 12 : 0;
}

interface TcpShape {
  rtt: number;
  eps: number;
  /** Pacing gap between back-to-back segments, per direction. */
  gap: [number, number];
  /** Payload bytes per full segment. */
  mss: number;
  ackEvery: number;
  maxCwnd: number;
}

/** Scratch state for planning one flow. */
class Planner {
  ev = new Float64Array(STRIDE * 4096);
  n = 0;
  seq: [number, number] = [0, 0];
  msgs: Msg[] = [EMPTY];
  shape: TcpShape = { rtt: 0, eps: 0, gap: [0, 0], mss: 1460, ackEvery: 2, maxCwnd: 64 };

  constructor(readonly rng: Rng) {}

  reset(): void {
    this.n = 0;
    this.seq = [0, 0];
    this.msgs = [EMPTY];
  }

  /** Registers a message; returns its index for payload refs. */
  msg(content: Uint8Array, total = content.length, recordsAt = -1): number {
    if (this.msgs.length >= REF_SCALE) throw new Error('too many messages in one flow');
    this.msgs.push({
      content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
      total,
      recordsAt,
    });
    return this.msgs.length - 1;
  }

  /**
   * A TLS message: `prefix` then application_data records up to about `bytes` in all. Returns [index, total].
   */
  tls(prefix: Uint8Array, bytes: number): [number, number] {
    let total = Math.max(bytes, prefix.length + 6);
    // the last record needs a header and at least one byte
    const tail = (total - prefix.length) % TLS_RECORD;
    if (tail > 0 && tail < 6) total += 6 - tail;
    return [this.msg(prefix, total, prefix.length), total];
  }

  push(t: number, dir: number, flags: number, len: number, ref: number, seq: number, ack: number): void {
    if ((this.n + 1) * STRIDE > this.ev.length) {
      const next = new Float64Array(this.ev.length * 2);
      next.set(this.ev);
      this.ev = next;
    }
    const o = this.n * STRIDE;
    const e = this.ev;
    e[o] = t;
    e[o + 1] = dir | (flags << 1);
    e[o + 2] = len;
    e[o + 3] = seq;
    e[o + 4] = ack;
    e[o + 5] = ref;
    this.n++;
  }

  /** A TCP segment; seq/ack follow what each side has sent so far. */
  tcp(t: number, dir: number, flags: number, len = 0, ref = 0): void {
    const s = this.seq[dir];
    const ack = flags & F_ACK ? this.seq[1 - dir] : 0;
    this.push(t, dir, flags, len, ref, s, ack);
    this.seq[dir] = (s + len + (flags & F_SYN ? 1 : 0) + (flags & F_FIN ? 1 : 0)) % 4294967296;
  }

  udp(t: number, dir: number, len: number, ref: number): void {
    this.push(t, dir, 0, len, ref, 0, 0);
  }

  /** Capture-point delay between a packet towards `to` and that side's reaction. */
  react(to: number): number {
    const sh = this.shape;
    return to === S ? sh.rtt * (0.95 + 0.1 * this.rng.next()) : sh.eps * (0.5 + this.rng.next());
  }

  /** SYN, SYN-ACK, ACK from t; returns the time of the ACK. */
  handshake(t: number): number {
    this.tcp(t, C, F_SYN);
    const t1 = t + this.react(S);
    this.tcp(t1, S, F_SYN | F_ACK);
    const t2 = t1 + this.react(C);
    this.tcp(t2, C, F_ACK);
    return t2;
  }

  /**
   * One message of `bytes` from `from`, cut into MSS segments sent in slow-start bursts (10 segments, doubling
   * each RTT up to maxCwnd) paced at the direction's gap; the receiver ACKs every ackEvery-th segment and the
   * last (unless ackLast is false: its reply will carry the ACK). Returns the time of the last segment.
   */
  send(from: number, bytes: number, msg: number, t0: number, ackLast = true): number {
    const sh = this.shape;
    const to = 1 - from;
    const mss = sh.mss;
    const n = Math.max(1, Math.ceil(bytes / mss));
    const gap = sh.gap[from];
    let t = t0;
    let cwnd = 10;
    let burst = 0;
    let burstStart = t0;
    let last = t0;
    for (let k = 0; k < n; k++) {
      const len = k < n - 1 ? mss : bytes - (n - 1) * mss;
      this.tcp(t, from, k === n - 1 ? F_PSH | F_ACK : F_ACK, len, k * mss * REF_SCALE + msg);
      last = t;
      if (k === n - 1 ? ackLast : (k + 1) % sh.ackEvery === 0) this.tcp(t + this.react(to), to, F_ACK);
      if (++burst >= cwnd && k < n - 1) {
        burst = 0;
        cwnd = Math.min(cwnd * 2, sh.maxCwnd);
        burstStart = Math.max(t + gap, burstStart + sh.rtt);
        t = burstStart;
      } else {
        t += gap * (0.8 + 0.4 * this.rng.next());
      }
    }
    return last;
  }

  /** Closes from `initiator` at t: 'fin' (FIN/FIN/ACK), 'rst', or 'none'. */
  close(how: 'fin' | 'rst' | 'none', initiator: number, t: number): void {
    if (how === 'fin') {
      this.tcp(t, initiator, F_FIN | F_ACK);
      const t1 = t + this.react(1 - initiator);
      this.tcp(t1, 1 - initiator, F_FIN | F_ACK);
      this.tcp(t1 + this.react(initiator), initiator, F_ACK);
    } else if (how === 'rst') {
      this.tcp(t, initiator, F_RST | F_ACK);
    }
  }

  /** The planned events sorted by time (stable), as a compact array. */
  sortedEvents(): Float64Array {
    const n = this.n;
    const e = this.ev;
    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (e[i * STRIDE] < e[(i - 1) * STRIDE]) {
        sorted = false;
        break;
      }
    }
    const out = new Float64Array(n * STRIDE);
    if (sorted) {
      out.set(e.subarray(0, n * STRIDE));
      return out;
    }
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => e[a * STRIDE] - e[b * STRIDE] || a - b);
    for (let i = 0; i < n; i++) out.set(e.subarray(idx[i] * STRIDE, idx[i] * STRIDE + STRIDE), i * STRIDE);
    return out;
  }
}

/** Plans flows of a realistic mix, one call per flow, all randomness from one seeded stream. */
export class FlowPlanner {
  readonly world: World;
  readonly rng: Rng;
  private readonly p: Planner;

  constructor(seed: number) {
    this.world = new World(new Rng(seed ^ 0x5eed));
    this.rng = new Rng(seed);
    this.p = new Planner(this.rng);
  }

  /** Picks a flow kind by share of flows. */
  private kind(): number {
    const x = this.rng.next();
    if (x < 0.36) return K.dns;
    if (x < 0.64) return K.tls;
    if (x < 0.7) return K.http;
    if (x < 0.77) return K.quic;
    if (x < 0.775) return K.ssh;
    if (x < 0.79) return K.ntp;
    if (x < 0.84) return K['tcp-other'];
    if (x < 0.87) return K['tcp-failed'];
    if (x < 0.9996) return K['udp-other'];
    return K.rtp;
  }

  /** Plans one flow whose first packet is at t0 (us, capture-relative). */
  plan(t0: number): Flow {
    const rng = this.rng;
    const w = this.world;
    const p = this.p;
    p.reset();
    const kind = this.kind();
    const v6 = kind !== K.rtp && kind !== K['tcp-failed'] && rng.chance(0.12);
    const host = rng.skewed(w.hosts.length, 3);
    let client = v6 ? rng.pick(w.clients6) : w.clients4[rng.skewed(w.clients4.length, 1.4)];
    let server = v6 ? w.server6(host) : w.server4(host);
    let sport = rng.chance(0.7) ? rng.range(32768, 60999) : rng.range(49152, 65535);
    let dport = 443;
    let tcp = true;
    const sh = p.shape;
    sh.rtt = rng.logNormal(28 * MS, 0.8, 1.5 * MS, 400 * MS);
    sh.eps = rng.logNormal(0.15 * MS, 0.7, 0.02 * MS, 3 * MS);
    const useTs = rng.chance(0.55);
    const mss = (v6 ? 1440 : 1460) - (useTs ? 12 : 0);
    sh.mss = mss;
    // bottleneck bandwidth in Mbit/s = bits per microsecond, so the gaps come out in microseconds
    const mbps = rng.logNormal(25, 1.2, 1, 900);
    sh.gap[S] = ((mss + 54) * 8) / mbps;
    sh.gap[C] = ((mss + 54) * 8) / Math.min(mbps, rng.logNormal(10, 1, 1, 200));
    sh.ackEvery = rng.chance(0.45) ? 2 : 1;
    sh.maxCwnd = rng.range(16, 128);
    const name = w.hosts[host];

    switch (kind) {
      case K.tls:
        this.planTls(t0, name);
        break;
      case K.http:
        dport = rng.chance(0.92) ? 80 : 8080;
        this.planHttp(t0, name);
        break;
      case K.ssh:
        dport = 22;
        server = v6 ? rng.pick(w.servers6) : rng.pick(w.servers4);
        this.planSsh(t0);
        break;
      case K['tcp-other']:
        dport = rng.range(20000, 60000);
        server = v6 ? rng.pick(w.servers6) : rng.pick(w.servers4);
        this.planTcpOther(t0);
        break;
      case K['tcp-failed']:
        dport = rng.chance(0.5)
          ? rng.pick([23, 445, 3389, 8080, 2323, 5555, 1433, 3306])
          : rng.range(1, 65535);
        server = rng.pick(w.servers4);
        client = rng.pick(w.clients4);
        this.planTcpFailed(t0);
        break;
      case K.dns:
        tcp = false;
        dport = 53;
        sport = rng.range(1024, 65535);
        server = v6 ? rng.pick(RESOLVERS_V6) : rng.chance(0.35) ? rng.pick(w.isp4) : rng.pick(RESOLVERS_V4);
        this.planDns(t0, host, v6);
        break;
      case K.quic:
        tcp = false;
        this.planQuic(t0, name);
        break;
      case K.ntp:
        tcp = false;
        dport = 123;
        if (rng.chance(0.3)) sport = 123;
        server = v6 ? rng.pick(w.servers6) : rng.pick(w.servers4);
        this.planNtp(t0);
        break;
      case K['udp-other']:
        tcp = false;
        dport = rng.range(20000, 60000);
        server = v6 ? rng.pick(w.servers6) : rng.pick(w.servers4);
        this.planUdpOther(t0);
        break;
      case K.rtp:
        tcp = false;
        sport = rng.range(5000, 32767) & ~1;
        dport = rng.range(10000, 60000) & ~1;
        server = rng.pick(w.servers4);
        this.planRtp(t0);
        break;
    }

    const macs = rng.pick(w.macs);
    const clientTtl = rng.chance(0.7) ? 63 : 127;
    const serverTtl = rng.pick([64, 128, 255]) - rng.range(6, 22);
    const tpl: [Buffer, Buffer] = [
      headerTemplate(v6, tcp, macs[0], macs[1], client, server, sport, dport, clientTtl, rng.int(0x100000)),
      headerTemplate(v6, tcp, macs[1], macs[0], server, client, dport, sport, serverTtl, rng.int(0x100000)),
    ];
    if (tcp) {
      be16(tpl[0], tpl[0].length - 6, rng.range(500, 65535));
      be16(tpl[1], tpl[1].length - 6, rng.range(500, 65535));
    }
    const proto = tcp ? 6 : 17;
    const pseudo = pseudoSum(client, server, proto);
    return new Flow(
      kind,
      tcp,
      v6,
      tpl,
      [v6 ? 0 : ipHeaderSum(tpl[0]), v6 ? 0 : ipHeaderSum(tpl[1])],
      [pseudo, pseudo],
      p.sortedEvents(),
      p.n,
      p.msgs,
      [rng.u32(), rng.u32()],
      [rng.int(0x10000), rng.int(0x10000)],
      [rng.u32(), rng.u32()],
      useTs,
      mss + (useTs ? 12 : 0),
      rng.range(6, 9),
      sh.rtt / 2,
    );
  }

  /** A response size: mostly small objects, a thin heavy tail of downloads and media segments. */
  private responseBytes(): number {
    const rng = this.rng;
    if (rng.chance(0.003)) return Math.round(rng.logNormal(150_000, 1, 40_000, 3_000_000));
    return Math.round(rng.logNormal(420, 1.4, 30, 150_000));
  }

  private requestBytes(): number {
    return Math.round(this.rng.logNormal(380, 0.7, 60, 4000));
  }

  /** Further request/response rounds on a kept-alive connection (geometric with the given mean). */
  private rounds(mean: number): number {
    let n = 0;
    while (this.rng.chance(mean / (mean + 1)) && n < 100) n++;
    return n;
  }

  private think(): number {
    const rng = this.rng;
    return rng.chance(0.85) ? rng.exp(300 * MS) : rng.logNormal(5 * SEC, 1, 0.5 * SEC, 90 * SEC);
  }

  private closeTcp(t: number): void {
    const rng = this.rng;
    const x = rng.next();
    const idle = rng.chance(0.3) ? rng.logNormal(2 * SEC, 1.2, 0.05 * SEC, 60 * SEC) : rng.exp(40 * MS);
    if (x < 0.75) this.p.close('fin', rng.chance(0.5) ? C : S, t + idle);
    else if (x < 0.87) this.p.close('rst', rng.chance(0.6) ? C : S, t + idle);
  }

  private planTls(t0: number, name: string): void {
    const rng = this.rng;
    const p = this.p;
    let t = p.handshake(t0);
    const hello = clientHelloRecord(rng, {
      serverName: name,
      alpn: rng.chance(0.85) ? ['h2', 'http/1.1'] : ['http/1.1'],
      grease: rng.chance(0.7),
    });
    t = p.send(C, hello.length, p.msg(hello), t + p.react(C));
    // 40% of connections resume a session: no certificate in the server's flight
    const flight = rng.chance(0.4)
      ? Math.round(rng.logNormal(280, 0.3, 150, 700))
      : Math.round(rng.logNormal(3600, 0.35, 1300, 12000));
    let [m, bytes] = p.tls(serverHello(rng), flight);
    t = p.send(S, bytes, m, t + p.react(S) + rng.exp(2 * MS));
    [m, bytes] = p.tls(clientFinished(rng), 64 + this.requestBytes());
    t = p.send(C, bytes, m, t + p.react(C));
    [m, bytes] = p.tls(EMPTY.content, this.responseBytes());
    t = p.send(S, bytes, m, t + p.react(S) + rng.exp(15 * MS));
    const n = this.rounds(1.4);
    for (let i = 0; i < n; i++) {
      // some rounds are keep-alives (HTTP/2 PING and the like)
      const ping = rng.chance(0.5);
      [m, bytes] = p.tls(EMPTY.content, ping ? rng.range(30, 60) : this.requestBytes());
      t = p.send(C, bytes, m, t + this.think());
      [m, bytes] = p.tls(EMPTY.content, ping ? rng.range(30, 60) : this.responseBytes());
      t = p.send(S, bytes, m, t + p.react(S) + rng.exp(15 * MS));
    }
    this.closeTcp(t);
  }

  private planHttp(t0: number, name: string): void {
    const rng = this.rng;
    const p = this.p;
    let t = p.handshake(t0);
    const n = 1 + this.rounds(0.8);
    for (let i = 0; i < n; i++) {
      const req = httpRequest(rng, name);
      t = p.send(C, req.length, p.msg(req), t + (i === 0 ? p.react(C) : this.think()));
      const body = Math.max(0, this.responseBytes() - 250);
      const head = httpResponseHead(rng, body, BASE_SEC + t / SEC);
      t = p.send(S, head.length + body, p.msg(head, head.length + body), t + p.react(S) + rng.exp(20 * MS));
    }
    this.closeTcp(t);
  }

  private planSsh(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    let t = p.handshake(t0);
    const say = (from: number, content: Uint8Array, at: number, total = content.length) =>
      p.send(from, total, p.msg(content, total), at);
    t = say(S, ascii(rng.pick(SSH_SERVER_BANNERS)), t + p.react(S));
    t = say(C, ascii(rng.pick(SSH_CLIENT_BANNERS)), t + p.react(C));
    t = say(C, sshKexInit(rng, true), t + 200);
    t = say(S, sshKexInit(rng, false), t + p.react(S));
    t = say(C, sshEcdhInit(rng), t + p.react(C));
    t = say(S, sshEcdhReplyNewKeys(rng), t + p.react(S) + rng.exp(3 * MS));
    // NEWKEYS, then everything is encrypted: service request, authentication, then a session
    t = say(C, sshNewKeys(rng), t + p.react(C), 16 + rng.range(44, 68));
    for (let i = 0; i < 3; i++) {
      t = p.send(S, rng.range(28, 120), 0, t + p.react(S));
      t = p.send(C, rng.range(44, 700), 0, t + p.react(C) + rng.exp(50 * MS));
    }
    if (rng.chance(0.04)) {
      const bytes = Math.round(rng.logNormal(100_000, 1.2, 20_000, 4_000_000));
      t = p.send(rng.chance(0.5) ? C : S, bytes, 0, t + this.think());
    } else {
      const keys = Math.round(rng.logNormal(40, 1, 3, 1000));
      for (let i = 0; i < keys; i++) {
        t = p.send(C, 36, 0, t + rng.exp(250 * MS), false);
        const out = rng.chance(0.9) ? 36 : rng.range(100, 3000);
        t = p.send(S, out, 0, t + p.react(S));
      }
    }
    this.closeTcp(t);
  }

  private planTcpOther(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    let t = p.handshake(t0);
    const magic = rng.bytes(8);
    magic[0] = 0xc7;
    const n = 1 + this.rounds(2);
    for (let i = 0; i < n; i++) {
      const req = Math.round(rng.logNormal(150, 1, 8, 20_000));
      t = p.send(C, req, i === 0 ? p.msg(magic, req) : 0, t + (i === 0 ? p.react(C) : this.think()));
      const resp = Math.round(rng.logNormal(400, 1.5, 8, 2_000_000));
      t = p.send(S, resp, 0, t + p.react(S) + rng.exp(5 * MS));
    }
    this.closeTcp(t);
  }

  /** Connection attempts that fail: refused (RST) or unanswered SYN retransmissions. */
  private planTcpFailed(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    p.tcp(t0, C, F_SYN);
    if (rng.chance(0.5)) {
      p.push(t0 + p.react(S), S, F_RST | F_ACK, 0, 0, 0, 1);
      return;
    }
    for (const retry of [1, 3]) {
      p.seq[C] = 0;
      p.tcp(t0 + retry * SEC, C, F_SYN);
    }
  }

  private planDns(t0: number, host: number, v6: boolean): void {
    const rng = this.rng;
    const p = this.p;
    const w = this.world;
    const name = w.hosts[host];
    const x = rng.next();
    const qtype = x < 0.1 ? DNS_HTTPS : x < (v6 ? 0.6 : 0.35) ? DNS_AAAA : DNS_A;
    const id = rng.int(0x10000);
    const q = dnsQuery(id, name, qtype);
    p.udp(t0, C, q.length, p.msg(q));
    if (rng.chance(0.03)) return; // unanswered
    const answers: DnsAnswer[] = [];
    let rcode = 0;
    if (rng.chance(0.05))
      rcode = 3; // NXDOMAIN
    else if (qtype !== DNS_HTTPS) {
      if (rng.chance(0.25)) {
        answers.push({
          type: DNS_CNAME,
          ttl: rng.range(30, 3600),
          data: `edge-${host % 97}.cdn${host % 7}.net`,
        });
      }
      const ttl = rng.range(20, 600);
      const count = rng.chance(0.6) ? 1 : rng.range(2, 4);
      for (let i = 0; i < count; i++) {
        const h = i === 0 ? host : host + i * 31;
        answers.push({ type: qtype, ttl, data: qtype === DNS_A ? w.server4(h) : w.server6(h) });
      }
    }
    const r = dnsResponse(id, name, qtype, rcode, answers);
    const rtt = rng.chance(0.7)
      ? rng.logNormal(4 * MS, 0.8, 0.3 * MS, 50 * MS)
      : rng.logNormal(40 * MS, 0.8, 5 * MS, 900 * MS);
    p.udp(t0 + rtt, S, r.length, p.msg(r));
  }

  private planQuic(t0: number, name: string): void {
    const rng = this.rng;
    const p = this.p;
    const sh = p.shape;
    const dcid = rng.bytes(8);
    const scid = rng.chance(0.5) ? new Uint8Array(0) : rng.bytes(8);
    const serverCid = rng.bytes(8);
    const ch = clientHelloMessage(rng, { serverName: name, alpn: ['h3'], quic: true });
    const size = rng.pick([1250, 1252, 1357, 1200]);
    p.udp(t0, C, size, p.msg(quicClientInitial(dcid, scid, ch, size)));
    let t = t0 + p.react(S);
    const srv = rng.range(1200, 1252);
    p.udp(t, S, srv, p.msg(quicLongHead(0, scid, serverCid, srv)));
    t += sh.gap[S];
    p.udp(t, S, srv, p.msg(quicLongHead(2, scid, serverCid, srv)));
    t += sh.gap[S];
    const last = rng.range(200, 1100);
    p.udp(t, S, last, p.msg(quicLongHead(2, scid, serverCid, last)));
    t += p.react(C);
    p.udp(t, C, size, p.msg(quicLongHead(0, serverCid, scid, size)));
    t += 30;
    const fin = rng.range(80, 160);
    p.udp(t, C, fin, p.msg(quicLongHead(2, serverCid, scid, fin)));
    const cShort = p.msg(quicShortHead(rng, serverCid));
    const sShort = p.msg(quicShortHead(rng, scid));
    const dgram = rng.pick([1252, 1232, 1350]);
    const n = 1 + this.rounds(0.7);
    for (let i = 0; i < n; i++) {
      t += i === 0 ? 50 : this.think();
      let req = this.requestBytes();
      while (req > 0) {
        const len = Math.min(req, dgram);
        p.udp(t, C, Math.max(len, 40), cShort);
        req -= len;
        t += sh.gap[C];
      }
      t += p.react(S) + rng.exp(15 * MS);
      let resp = this.responseBytes();
      let k = 0;
      while (resp > 0) {
        const len = Math.min(resp, dgram);
        p.udp(t, S, Math.max(len, 40), sShort);
        if (++k % 2 === 0 || resp <= dgram) p.udp(t + p.react(C), C, rng.range(35, 48), cShort);
        resp -= len;
        t += k % 10 === 0 ? Math.max(sh.gap[S], sh.rtt / 4) : sh.gap[S];
      }
    }
    if (rng.chance(0.3)) p.udp(t + this.think(), C, rng.range(30, 60), cShort); // CONNECTION_CLOSE
  }

  private planNtp(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    const req = new Uint8Array(48);
    req[0] = 0x23; // LI 0, VN 4, mode 3 (client)
    rng.fill(req, 40, 8);
    const resp = new Uint8Array(48);
    resp[0] = 0x24; // mode 4 (server)
    resp[1] = rng.range(1, 3);
    rng.fill(resp, 12, 36);
    const qi = p.msg(req);
    const ri = p.msg(resp);
    const n = rng.chance(0.8) ? 1 : rng.range(2, 4);
    let t = t0;
    for (let i = 0; i < n; i++) {
      p.udp(t, C, 48, qi);
      p.udp(t + p.react(S), S, 48, ri);
      t += 2 * SEC;
    }
  }

  private planUdpOther(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    const head = rng.bytes(4);
    head[0] = 0x17 + rng.int(8);
    const hi = p.msg(head);
    const n = rng.chance(0.5) ? 1 : Math.round(rng.logNormal(6, 1, 1, 400));
    const small = rng.logNormal(90, 0.7, 20, 1200);
    const big = rng.logNormal(250, 0.9, 20, 1400);
    let t = t0;
    for (let i = 0; i < n; i++) {
      p.udp(t, C, Math.min(1400, Math.round(small * (0.7 + 0.6 * rng.next()))), hi);
      if (rng.chance(0.9))
        p.udp(t + p.react(S), S, Math.min(1400, Math.round(big * (0.7 + 0.6 * rng.next()))), hi);
      t += rng.exp(400 * MS);
    }
  }

  /** An RTP-like media stream both ways: 20 ms packets (160 G.711 samples + 12-byte header, or Opus). */
  private planRtp(t0: number): void {
    const rng = this.rng;
    const p = this.p;
    const dur = rng.logNormal(30 * SEC, 0.9, 3 * SEC, 400 * SEC);
    const pt = rng.pick([0, 8, 111]);
    const hi = p.msg(Uint8Array.of(0x80, pt));
    const len = pt === 111 ? rng.range(60, 140) : 172;
    const skew = rng.next() * 20 * MS;
    for (let t = 0; t < dur; t += 20 * MS) {
      p.udp(t0 + t, C, len, hi);
      p.udp(t0 + t + skew, S, len, hi);
    }
  }
}

/** Ethernet + IPv4/IPv6 + TCP/UDP header with addresses, ports, TTL and flow label filled in. */
function headerTemplate(
  v6: boolean,
  tcp: boolean,
  srcMac: Uint8Array,
  dstMac: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
  sport: number,
  dport: number,
  ttl: number,
  flowLabel: number,
): Buffer {
  const l3 = v6 ? 40 : 20;
  const b = Buffer.alloc(14 + l3 + (tcp ? 20 : 8));
  b.set(dstMac, 0);
  b.set(srcMac, 6);
  be16(b, 12, v6 ? 0x86dd : 0x0800);
  if (v6) {
    b[14] = 0x60 | ((flowLabel >>> 16) & 0x0f);
    be16(b, 16, flowLabel & 0xffff);
    b[20] = tcp ? 6 : 17;
    b[21] = ttl;
    b.set(src, 22);
    b.set(dst, 38);
  } else {
    b[14] = 0x45;
    if (tcp) be16(b, 20, 0x4000); // DF
    b[22] = ttl;
    b[23] = tcp ? 6 : 17;
    b.set(src, 26);
    b.set(dst, 30);
  }
  const l4 = 14 + l3;
  be16(b, l4, sport);
  be16(b, l4 + 2, dport);
  return b;
}

function wordSum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) s += (b[i] << 8) | b[i + 1];
  return s;
}

/** Sum of the IPv4 header's 16-bit words (length, id and checksum still 0 in the template). */
function ipHeaderSum(tpl: Uint8Array): number {
  return wordSum(tpl, 14, 34);
}

/** Sum of the pseudo header's address and protocol words (the same both ways). */
function pseudoSum(a: Uint8Array, b: Uint8Array, proto: number): number {
  return wordSum(a, 0, a.length) + wordSum(b, 0, b.length) + proto;
}
