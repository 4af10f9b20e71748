import { type DnsRecord, parseDnsAnswers } from '../app/dns.ts';
import { AppInspector } from '../app/inspector.ts';
import { formatIPv4, formatIPv6 } from '../app/ip-text.ts';
import type { PacketRecord } from '../capture/packet.ts';
import { FRAG_FIRST, FRAG_LATER, IPPROTO, PacketDecoder } from '../decode/decoder.ts';
import type { SkipReason } from '../decode/reasons.ts';
import { QuadKeyMap } from '../quad-key-map.ts';
import { ExpiryWheel } from './expiry-wheel.ts';
import { Flow } from './flow.ts';
import { KEY_A, KEY_B_V4, KEY_B_V6, keyAddress, keyPorts, v4Key, v6Key } from './flow-key.ts';
import { PassiveDns } from './passive-dns.ts';
import { historyBits, TCP_ACK, TCP_SYN, tcpClosed } from './tcp-state.ts';

export interface FlowTableOptions {
  /** Idle time after which a UDP flow ends. */
  udpTimeoutSec: number;
  /** Idle time after which an ICMP or other port-less flow ends. */
  otherTimeoutSec: number;
  /** Idle time after which an open TCP connection ends. */
  tcpTimeoutSec: number;
  /** How long a closed TCP connection lingers for its last ACKs before it is emitted. */
  tcpCloseSec: number;
  /** Emit still-active flows that changed every this many seconds of capture time; 0 = only at the end. */
  activeFlushSec: number;
  /** Flow-state cap; when it is reached the oldest 1% of flows are ended early (each counted as evicted_table_full). */
  maxFlows: number;
  /** Label application protocols and learn names (off only for measuring the bare decoder). */
  inspect: boolean;
}

export const DEFAULT_FLOW_OPTIONS: FlowTableOptions = {
  udpTimeoutSec: 60,
  otherTimeoutSec: 60,
  tcpTimeoutSec: 300,
  tcpCloseSec: 5,
  activeFlushSec: 0,
  maxFlows: 300_000,
  inspect: true,
};

/**
 * `final` is false for an active flow flushed early; the same flow is emitted again later. The
 * flow object is the table's: after a final emission it is reused for another flow, so a sink
 * keeps a record of it (`toFlowRecord`), never the object.
 */
export type FlowSink = (flow: Flow, final: boolean) => void;

/** How often the table is swept for idle flows, in capture seconds. */
const SWEEP_SEC = 5;
/** How long a fragment train is remembered. */
const FRAGMENT_SEC = 30;
/** Ended flows kept for reuse (Flow.reset); flows end in bursts of a few thousand per sweep. */
const SPARE_FLOWS = 8192;

interface FragmentEntry {
  flow: Flow | null;
  /** The flow's seq: the Flow object is reused once its flow has ended. */
  seq: number;
  /** For fragments seen before their first fragment: what to add once it comes. */
  packets: number;
  bytes: number;
  payload: number;
  /** Direction of the train within its flow, once the flow is known. */
  dir: number;
  /** Source address of early fragments, to find their direction later. */
  srcIp: string;
  sec: number;
}

/**
 * Assembles packets into bidirectional flows. All timing is capture time (packet timestamps),
 * never wall time, so the flows of a capture are the same however it is read. Call `packet` for
 * every record, then `finish`.
 */
export class FlowTable {
  readonly options: FlowTableOptions;
  /**
   * The tracked flows in creation order, linked through Flow.prev/next: finish, flushActive and
   * eviction walk it. (A Map by key string cost a set and a delete per flow, and its growth.)
   */
  private oldest: Flow | null = null;
  private newest: Flow | null = null;
  /** Flows tracked now. */
  private tracked = 0;
  /** The IPv4 flows by endpoint A's address, B's, their ports (A << 16 | B), protocol + 1. */
  private readonly v4 = new QuadKeyMap<Flow>();
  /** The IPv6 flows the same way, by hashes of the addresses (see flowV6). */
  private readonly v6 = new QuadKeyMap<Flow>();
  /** IPv6 flows left out of `v6` (their hashes collide with another flow's), by key. */
  private readonly v6Collided = new Map<string, Flow>();
  /** The direction of the last packet within its flow (0: from the source), set by flowV4/flowV6. */
  private dir = 0;
  readonly counters = new Map<string, number>();
  readonly dns = new PassiveDns();
  private readonly decoder = new PacketDecoder();
  private readonly fragments = new Map<string, FragmentEntry>();
  private readonly wheel = new ExpiryWheel(SWEEP_SEC);
  /** Flows a sweep found due, reused between sweeps. */
  private readonly due: Flow[] = [];
  /** Ended and emitted flows, to be reset for new ones. */
  private readonly spare: Flow[] = [];
  private created = 0;
  private readonly dnsBatch: DnsRecord[] = [];
  private readonly onDnsRecord = (r: DnsRecord) => {
    this.dnsBatch.push(r);
  };
  /** Latest capture time seen (packets can be slightly out of order). */
  private nowSec = 0;
  private nextSweep = 0;
  private nextFlush = 0;
  packets = 0;
  ipPackets = 0;

  constructor(
    private readonly sink: FlowSink,
    options: Partial<FlowTableOptions> = {},
  ) {
    this.options = { ...DEFAULT_FLOW_OPTIONS, ...options };
  }

  count(reason: SkipReason | string, n = 1): void {
    this.counters.set(reason, (this.counters.get(reason) ?? 0) + n);
  }

  packet(rec: PacketRecord): void {
    this.packets++;
    const sec = rec.tsSec;
    if (sec > this.nowSec) {
      this.nowSec = sec;
      if (sec >= this.nextSweep) this.sweep(sec);
    }
    const d = this.decoder;
    if (!d.decodeAt(rec.linkType, rec.bytes, rec.dataStart, rec.dataStart + rec.capLen, rec.origLen)) {
      this.count(d.skip!);
      return;
    }
    this.ipPackets++;
    if (d.fragment === FRAG_LATER) {
      this.laterFragment(rec);
      return;
    }

    const flow = d.ipVersion === 4 ? this.flowV4(rec) : this.flowV6(rec);
    const dir = this.dir;
    this.account(flow, dir, rec, d.ipLen, d.payloadLen);

    if (d.proto === IPPROTO.TCP) {
      const f = d.tcpFlags;
      if (dir === 0) flow.flags0 |= f;
      else flow.flags1 |= f;
      const was = flow.history;
      flow.history |= historyBits(f, dir === 0);
      // Closing shortens its timeout: its deadline moves earlier, so it is filed again.
      if (flow.history !== was && tcpClosed(flow.history) && !tcpClosed(was)) {
        this.wheel.file(flow, flow.lastSec + this.timeoutOf(flow));
      }
    }
    if (d.tunnel !== null && flow.tunnel === null) flow.tunnel = d.tunnel;
    if (d.fragment === FRAG_FIRST) this.firstFragment(flow, rec, dir);
    if (d.payloadCapLen > 0 && this.options.inspect) this.inspect(flow, dir);
  }

  /** Emits every flow still tracked as final and forgets them. */
  finish(): void {
    for (let flow = this.oldest; flow !== null; ) {
      const next = flow.next;
      this.end(flow);
      flow = next;
    }
    this.wheel.clear();
    for (const entry of this.fragments.values()) {
      if (entry.flow === null) this.count('fragment_orphan', entry.packets);
    }
    this.fragments.clear();
  }

  /** Emits active flows that changed since their last emission (live streams call this on a timer). */
  flushActive(): void {
    for (let flow = this.oldest; flow !== null; flow = flow.next) {
      if (flow.dirty) this.emit(flow, false);
    }
  }

  /**
   * The IPv4 packet's flow, found in the integer index (no key string per packet), or a new one;
   * sets `dir`. The endpoint that sorts first (address, then port) is A for both directions.
   */
  private flowV4(rec: PacketRecord): Flow {
    const d = this.decoder;
    const buf = d.buf;
    const s = d.srcOff;
    const t = d.dstOff;
    const sa = ((buf[s] << 24) | (buf[s + 1] << 16) | (buf[s + 2] << 8) | buf[s + 3]) >>> 0;
    const da = ((buf[t] << 24) | (buf[t + 1] << 16) | (buf[t + 2] << 8) | buf[t + 3]) >>> 0;
    const sp = Math.max(d.srcPort, 0);
    const dp = Math.max(d.dstPort, 0);
    const srcIsA = sa < da || (sa === da && sp <= dp);
    const a = srcIsA ? sa : da;
    const b = srcIsA ? da : sa;
    const ports = srcIsA ? (sp << 16) | dp : (dp << 16) | sp;
    let flow = this.v4.get(a, b, ports, d.proto + 1);
    if (flow !== undefined && this.expired(flow, rec, d.proto, d.tcpFlags)) {
      this.end(flow);
      flow = undefined;
    }
    if (flow === undefined) {
      // A key string as the IPv6 flows have (flow ids are hashed from it), made once per flow.
      flow = this.create(v4Key(d.proto, a, b, ports), rec);
      // A flow between one endpoint and itself has one direction, whoever started it.
      flow.srcIsA = this.responderFirst() && (sa !== da || sp !== dp) ? !srcIsA : srcIsA;
      this.v4.set(a, b, ports, d.proto + 1, flow);
    }
    this.dir = srcIsA === flow.srcIsA ? 0 : 1;
    return flow;
  }

  /**
   * The IPv6 packet's flow, or a new one; sets `dir`. Found like IPv4's, in an integer table keyed
   * by a 32-bit hash of each address (ports and protocol as they are) and checked against the
   * flow's key, which holds the whole addresses; a flow whose hashes collide with another's (odds
   * ~2^-64 a pair) is left out of the table and found by its key string in `v6Collided`.
   */
  private flowV6(rec: PacketRecord): Flow {
    const d = this.decoder;
    const buf = d.buf;
    const sp = Math.max(d.srcPort, 0);
    const dp = Math.max(d.dstPort, 0);
    // The same order as the key strings': address words, then port.
    const order = compareV6(buf, d.srcOff, buf, d.dstOff);
    const srcIsA = order < 0 || (order === 0 && sp <= dp);
    const aOff = srcIsA ? d.srcOff : d.dstOff;
    const bOff = srcIsA ? d.dstOff : d.srcOff;
    const ports = srcIsA ? (sp << 16) | dp : (dp << 16) | sp;
    const ha = hashV6(buf, aOff);
    const hb = hashV6(buf, bOff);
    let flow = this.v6.get(ha, hb, ports, d.proto + 1);
    if (flow !== undefined ? !keyHoldsV6(flow.key, buf, aOff, bOff) : this.v6Collided.size > 0) {
      flow = this.v6Collided.get(v6Key(d.proto, buf, aOff, bOff, ports));
    }
    if (flow !== undefined && this.expired(flow, rec, d.proto, d.tcpFlags)) {
      this.end(flow);
      flow = undefined;
    }
    if (flow === undefined) {
      flow = this.create(v6Key(d.proto, buf, aOff, bOff, ports), rec);
      flow.srcIsA = this.responderFirst() && (order !== 0 || sp !== dp) ? !srcIsA : srcIsA;
      if (this.v6.get(ha, hb, ports, d.proto + 1) === undefined)
        this.v6.set(ha, hb, ports, d.proto + 1, flow);
      else this.v6Collided.set(flow.key, flow);
    }
    this.dir = srcIsA === flow.srcIsA ? 0 : 1;
    return flow;
  }

  /** The initiator is the SYN sender: a first packet that is a SYN-ACK was sent by the responder. */
  private responderFirst(): boolean {
    const d = this.decoder;
    return d.proto === IPPROTO.TCP && (d.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
  }

  private create(key: string, rec: PacketRecord): Flow {
    const d = this.decoder;
    const ipVersion = d.ipVersion as 4 | 6;
    const flow = this.spare.pop()?.reset(key, ipVersion, d.proto) ?? new Flow(key, ipVersion, d.proto);
    // The address texts come from the key when first asked for (Flow.srcIp).
    const reversed = this.responderFirst();
    flow.srcPort = reversed ? d.dstPort : d.srcPort;
    flow.dstPort = reversed ? d.srcPort : d.dstPort;
    flow.firstSec = rec.tsSec;
    flow.firstNsec = rec.tsNsec;
    flow.seq = this.created++;
    if (this.tracked >= this.options.maxFlows) this.evictOldest();
    flow.prev = this.newest;
    if (this.newest === null) this.oldest = flow;
    else this.newest.next = flow;
    this.newest = flow;
    this.tracked++;
    this.wheel.file(flow, rec.tsSec + this.timeoutOf(flow));
    return flow;
  }

  /**
   * Makes room in a full table: ends its oldest flows, 1% of the cap at once (a capture with more
   * concurrent flows than the cap then ends them in batches, not one per new flow).
   */
  private evictOldest(): void {
    for (let n = Math.max(1, Math.floor(this.options.maxFlows / 100)); n > 0 && this.oldest !== null; n--) {
      this.count('evicted_table_full');
      this.end(this.oldest);
    }
  }

  /** Does this packet start a new flow on the same 5-tuple? */
  private expired(flow: Flow, rec: PacketRecord, proto: number, flags: number): boolean {
    const idle = rec.tsSec - flow.lastSec + (rec.tsNsec - flow.lastNsec) / 1e9;
    if (proto === IPPROTO.TCP) {
      if (tcpClosed(flow.history)) {
        // A new connection on a reused 5-tuple: a SYN (without ACK) after FIN or RST.
        if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) return true;
        return idle > this.options.tcpCloseSec;
      }
      return idle > this.options.tcpTimeoutSec;
    }
    return idle > (proto === IPPROTO.UDP ? this.options.udpTimeoutSec : this.options.otherTimeoutSec);
  }

  private account(flow: Flow, dir: number, rec: PacketRecord, ipLen: number, payloadLen: number): void {
    if (dir === 0) {
      flow.packets0++;
      flow.bytes0 += ipLen;
      flow.payload0 += payloadLen;
    } else {
      flow.packets1++;
      flow.bytes1 += ipLen;
      flow.payload1 += payloadLen;
    }
    // Keep the latest time; a packet out of order must not move it back.
    if (rec.tsSec > flow.lastSec || (rec.tsSec === flow.lastSec && rec.tsNsec > flow.lastNsec)) {
      flow.lastSec = rec.tsSec;
      flow.lastNsec = rec.tsNsec;
    }
    flow.dirty = true;
  }

  private inspect(flow: Flow, dir: number): void {
    let insp = flow.inspector;
    if (insp === null) {
      // Most payload packets belong to flows already labelled, and only DNS flows still read them:
      // return at once, from the flow's own fields (its label is another object, often not in
      // cache), and before making a view of the payload (one allocation per packet otherwise).
      if (!flow.feedsDns) {
        if (flow.app !== null || flow.emissions !== 0) return;
        insp = new AppInspector(flow.proto, flow.srcPort, flow.dstPort);
        flow.inspector = insp;
      }
    }
    const d = this.decoder;
    const start = d.payloadOff;
    const stop = start + d.payloadCapLen;
    if (insp !== null) {
      // A UDP datagram's first fragment, or one cut by the snap length, holds only its start.
      const done = insp.push(d.buf.subarray(start, stop), dir === 0, d.udpPayloadLen);
      const result = insp.result;
      flow.app = result;
      if (result.serverName !== null) flow.serverName = result.serverName;
      if (done) flow.inspector = null;
      flow.feedsDns = isDnsApp(result.app);
    }
    if (flow.feedsDns) {
      this.dnsBatch.length = 0;
      // Read in place: a DNS flow's answers come after its inspection, on no view of their own.
      if (parseDnsAnswers(d.buf, flow.proto === IPPROTO.TCP, this.onDnsRecord, start, stop))
        this.dns.learn(this.dnsBatch);
    }
  }

  private firstFragment(flow: Flow, rec: PacketRecord, dir: number): void {
    const key = this.fragmentKey();
    const entry = this.fragments.get(key);
    if (entry !== undefined && entry.flow === null) {
      // Later fragments that overtook the first one: add them now.
      if (entry.srcIp === flow.srcIp) {
        flow.packets0 += entry.packets;
        flow.bytes0 += entry.bytes;
        flow.payload0 += entry.payload;
      } else {
        flow.packets1 += entry.packets;
        flow.bytes1 += entry.bytes;
        flow.payload1 += entry.payload;
      }
    }
    this.fragments.set(key, {
      flow,
      seq: flow.seq,
      packets: 0,
      bytes: 0,
      payload: 0,
      dir,
      srcIp: '',
      sec: rec.tsSec,
    });
  }

  private laterFragment(rec: PacketRecord): void {
    const d = this.decoder;
    const key = this.fragmentKey();
    const entry = this.fragments.get(key);
    const flow = entry?.flow;
    if (flow != null && !flow.ended && flow.seq === entry!.seq) {
      this.account(flow, entry!.dir, rec, d.ipLen, d.payloadLen);
      return;
    }
    if (entry !== undefined && entry.flow === null) {
      entry.packets++;
      entry.bytes += d.ipLen;
      entry.payload += d.payloadLen;
      return;
    }
    // Remember it until its first fragment shows up (it may have been reordered).
    const srcIp = d.fragVersion === 4 ? formatIPv4(d.buf, d.fragSrcOff) : formatIPv6(d.buf, d.fragSrcOff);
    this.fragments.set(key, {
      flow: null,
      seq: -1,
      packets: 1,
      bytes: d.ipLen,
      payload: d.payloadLen,
      dir: 0,
      srcIp,
      sec: rec.tsSec,
    });
  }

  /** Identifies a fragment train: addresses, protocol and IP identification (RFC 791, RFC 8200). */
  private fragmentKey(): string {
    const d = this.decoder;
    const b = d.buf;
    const n = d.fragVersion === 4 ? 4 : 16;
    let k = `${d.fragProto}/${d.fragId}/`;
    for (let i = 0; i < n; i++) k += `${b[d.fragSrcOff + i]}.`;
    for (let i = 0; i < n; i++) k += `${b[d.fragDstOff + i]}.`;
    return k;
  }

  /** Idle time after which the flow ends, in its current state. */
  private timeoutOf(flow: Flow): number {
    const o = this.options;
    if (flow.proto === IPPROTO.TCP) return tcpClosed(flow.history) ? o.tcpCloseSec : o.tcpTimeoutSec;
    return flow.proto === IPPROTO.UDP ? o.udpTimeoutSec : o.otherTimeoutSec;
  }

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_SEC;
    const o = this.options;
    const due = this.due;
    this.wheel.takeDue(now, due);
    let ended = 0;
    for (let i = 0; i < due.length; i++) {
      const flow = due[i];
      const timeout = this.timeoutOf(flow);
      if (now - flow.lastSec > timeout) due[ended++] = flow;
      else this.wheel.file(flow, flow.lastSec + timeout);
    }
    due.length = ended;
    // In creation order, as a sweep over the whole table would have ended them.
    due.sort(bySeq);
    for (let i = 0; i < due.length; i++) this.end(due[i]);
    due.length = 0;
    for (const [key, entry] of this.fragments) {
      if (now - entry.sec > FRAGMENT_SEC) {
        if (entry.flow === null) this.count('fragment_orphan', entry.packets);
        this.fragments.delete(key);
      }
    }
    if (o.activeFlushSec > 0 && now >= this.nextFlush) {
      this.nextFlush = now + o.activeFlushSec;
      this.flushActive();
    }
  }

  private end(flow: Flow): void {
    flow.ended = true;
    const insp = flow.inspector;
    if (insp !== null) {
      insp.settle();
      flow.app = insp.result;
      if (insp.result.serverName !== null) flow.serverName = insp.result.serverName;
      flow.inspector = null;
    }
    this.unlink(flow);
    const k = flow.key;
    if (flow.ipVersion === 4) {
      this.v4.delete(keyAddress(k, KEY_A), keyAddress(k, KEY_B_V4), keyPorts(k, 4), flow.proto + 1);
    } else {
      const ha = hashV6Key(k, KEY_A);
      const hb = hashV6Key(k, KEY_B_V6);
      const ports = keyPorts(k, 6);
      if (this.v6.get(ha, hb, ports, flow.proto + 1) === flow) this.v6.delete(ha, hb, ports, flow.proto + 1);
      else this.v6Collided.delete(k);
    }
    this.wheel.remove(flow);
    this.emit(flow, true);
    if (this.spare.length < SPARE_FLOWS) this.spare.push(flow);
  }

  private unlink(flow: Flow): void {
    const { prev, next } = flow;
    if (prev === null) this.oldest = next;
    else prev.next = next;
    if (next === null) this.newest = prev;
    else next.prev = prev;
    flow.prev = null;
    flow.next = null;
    this.tracked--;
  }

  private emit(flow: Flow, final: boolean): void {
    if (flow.serverName === null) {
      flow.serverName =
        flow.ipVersion === 4 ? this.dns.nameOfV4(flow.dstV4()) : this.dns.nameOfV6(flow.dstV6());
    }
    this.sink(flow, final);
    flow.emissions++;
    flow.dirty = false;
  }
}

function bySeq(a: Flow, b: Flow): number {
  return a.seq - b.seq;
}

/** Labels whose packets feed the passive DNS. */
function isDnsApp(app: string): boolean {
  return app === 'dns' || app === 'mdns' || app === 'llmnr';
}

/** Compares two 16-byte addresses as the key strings do (big-endian 16-bit units): <0, 0 or >0. */
function compareV6(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 16; i++) {
    const x = a[ao + i] - b[bo + i];
    if (x !== 0) return x;
  }
  return 0;
}

/** A 32-bit hash of the 16-byte address at `o`, as four big-endian words. */
function hashV6(b: Uint8Array, o: number): number {
  return mixV6(
    (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3],
    (b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7],
    (b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11],
    (b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15],
  );
}

/** hashV6 of the address held in a key from code unit `at` on (eight 16-bit units). */
function hashV6Key(k: string, at: number): number {
  return mixV6(
    (k.charCodeAt(at) << 16) | k.charCodeAt(at + 1),
    (k.charCodeAt(at + 2) << 16) | k.charCodeAt(at + 3),
    (k.charCodeAt(at + 4) << 16) | k.charCodeAt(at + 5),
    (k.charCodeAt(at + 6) << 16) | k.charCodeAt(at + 7),
  );
}

function mixV6(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0, 0xcc9e2d51) ^ w1;
  h = Math.imul(h ^ (h >>> 15), 0x1b873593) ^ w2;
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b) ^ w3;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

/** Whether an IPv6 flow's key holds these two addresses as its endpoints A and B. */
function keyHoldsV6(k: string, b: Uint8Array, aOff: number, bOff: number): boolean {
  for (let i = 0; i < 8; i++) {
    if (k.charCodeAt(KEY_A + i) !== ((b[aOff + 2 * i] << 8) | b[aOff + 2 * i + 1])) return false;
    if (k.charCodeAt(KEY_B_V6 + i) !== ((b[bOff + 2 * i] << 8) | b[bOff + 2 * i + 1])) return false;
  }
  return true;
}
