import { type DnsRecord, parseDnsAnswers } from '../app/dns.ts';
import { AppInspector } from '../app/inspector.ts';
import { formatIPv4, formatIPv6 } from '../app/ip-text.ts';
import type { PacketRecord } from '../capture/packet.ts';
import { FRAG_FIRST, FRAG_LATER, IPPROTO, PacketDecoder } from '../decode/decoder.ts';
import type { SkipReason } from '../decode/reasons.ts';
import { Flow } from './flow.ts';
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

/** `final` is false for an active flow flushed early; the same flow is emitted again later. */
export type FlowSink = (flow: Flow, final: boolean) => void;

/** How often the table is swept for idle flows, in capture seconds. */
const SWEEP_SEC = 5;
/** How long a fragment train is remembered. */
const FRAGMENT_SEC = 30;

interface FragmentEntry {
  flow: Flow | null;
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
  readonly flows = new Map<string, Flow>();
  readonly counters = new Map<string, number>();
  readonly dns = new PassiveDns();
  private readonly decoder = new PacketDecoder();
  private readonly fragments = new Map<string, FragmentEntry>();
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

    // Endpoint identities: for IPv4 a number (address * 65536 + port, exact below 2^53), for IPv6
    // a short string of 16-bit code units. Keys are strings of code units too: building them
    // costs no number formatting, which dominated the per-packet cost.
    const buf = d.buf;
    const sp = Math.max(d.srcPort, 0);
    const dp = Math.max(d.dstPort, 0);
    let se: number | string;
    let de: number | string;
    let key: string;
    if (d.ipVersion === 4) {
      const s = d.srcOff;
      const t = d.dstOff;
      const sHi = (buf[s] << 8) | buf[s + 1];
      const sLo = (buf[s + 2] << 8) | buf[s + 3];
      const dHi = (buf[t] << 8) | buf[t + 1];
      const dLo = (buf[t + 2] << 8) | buf[t + 3];
      se = (sHi * 65536 + sLo) * 65536 + sp;
      de = (dHi * 65536 + dLo) * 65536 + dp;
      key =
        se < de
          ? String.fromCharCode(d.proto, sHi, sLo, sp, dHi, dLo, dp)
          : String.fromCharCode(d.proto, dHi, dLo, dp, sHi, sLo, sp);
    } else {
      se = v6Endpoint(buf, d.srcOff, sp);
      de = v6Endpoint(buf, d.dstOff, dp);
      key =
        se < de
          ? `${String.fromCharCode(0x100 | d.proto)}${se}${de}`
          : `${String.fromCharCode(0x100 | d.proto)}${de}${se}`;
    }

    let flow = this.flows.get(key);
    if (flow !== undefined && this.expired(flow, rec, d.proto, d.tcpFlags)) {
      this.end(flow);
      flow = undefined;
    }
    if (flow === undefined) flow = this.create(key, rec, se, de);
    const dir = flow.srcEndpoint === se ? 0 : 1;
    this.account(flow, dir, rec, d.ipLen, d.payloadLen);

    if (d.proto === IPPROTO.TCP) {
      const f = d.tcpFlags;
      if (dir === 0) flow.flags0 |= f;
      else flow.flags1 |= f;
      flow.history |= historyBits(f, dir === 0);
    }
    if (d.tunnel !== null && flow.tunnel === null) flow.tunnel = d.tunnel;
    if (d.fragment === FRAG_FIRST) this.firstFragment(flow, rec, dir);
    if (d.payloadCapLen > 0 && this.options.inspect) this.inspect(flow, dir);
  }

  /** Emits every flow still tracked as final and forgets them. */
  finish(): void {
    for (const flow of this.flows.values()) this.end(flow);
    for (const entry of this.fragments.values()) {
      if (entry.flow === null) this.count('fragment_orphan', entry.packets);
    }
    this.fragments.clear();
  }

  /** Emits active flows that changed since their last emission (live streams call this on a timer). */
  flushActive(): void {
    for (const flow of this.flows.values()) {
      if (flow.dirty) this.emit(flow, false);
    }
  }

  private create(key: string, rec: PacketRecord, se: number | string, de: number | string): Flow {
    const d = this.decoder;
    const flow = new Flow(key, d.ipVersion as 4 | 6, d.proto);
    const fmt = d.ipVersion === 4 ? formatIPv4 : formatIPv6;
    // The initiator is the SYN sender. A first packet that is a SYN-ACK was sent by the responder.
    const reversed = d.proto === IPPROTO.TCP && (d.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    flow.srcEndpoint = reversed ? de : se;
    flow.srcIp = fmt(d.buf, reversed ? d.dstOff : d.srcOff);
    flow.dstIp = fmt(d.buf, reversed ? d.srcOff : d.dstOff);
    flow.srcPort = reversed ? d.dstPort : d.srcPort;
    flow.dstPort = reversed ? d.srcPort : d.dstPort;
    flow.firstSec = rec.tsSec;
    flow.firstNsec = rec.tsNsec;
    if (this.flows.size >= this.options.maxFlows) this.evictOldest();
    this.flows.set(key, flow);
    return flow;
  }

  /**
   * Makes room in a full table: ends its oldest flows, 1% of the cap at once. One at a time, each
   * eviction looked for the Map's first live entry past every slot deleted before it (V8 compacts
   * a Map's deleted slots only when it grows), which made a capture with more concurrent flows
   * than the cap quadratic: a scan's worth of flows took minutes.
   */
  private evictOldest(): void {
    let n = Math.max(1, Math.floor(this.options.maxFlows / 100));
    // Deleting the entry being visited (end() does) is allowed while iterating a Map.
    for (const flow of this.flows.values()) {
      this.count('evicted_table_full');
      this.end(flow);
      if (--n === 0) break;
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
    if (flow.app === null && flow.emissions === 0 && flow.inspector === null) {
      flow.inspector = new AppInspector(flow.proto, flow.srcPort, flow.dstPort);
    }
    const insp = flow.inspector;
    // Most payload packets belong to flows already labelled, and only DNS flows still read them:
    // return before making a view of the payload (one allocation per packet otherwise).
    if (insp === null && (flow.app === null || !isDnsApp(flow.app.app))) return;
    const d = this.decoder;
    const payload = d.buf.subarray(d.payloadOff, d.payloadOff + d.payloadCapLen);
    if (insp !== null) {
      const done = insp.push(payload, dir === 0);
      flow.app = insp.result;
      if (insp.result.serverName !== null) flow.serverName = insp.result.serverName;
      if (done) flow.inspector = null;
    }
    if (flow.app !== null && isDnsApp(flow.app.app)) {
      this.dnsBatch.length = 0;
      if (parseDnsAnswers(payload, flow.proto === IPPROTO.TCP, this.onDnsRecord))
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
    this.fragments.set(key, { flow, packets: 0, bytes: 0, payload: 0, dir, srcIp: '', sec: rec.tsSec });
  }

  private laterFragment(rec: PacketRecord): void {
    const d = this.decoder;
    const key = this.fragmentKey();
    const entry = this.fragments.get(key);
    const flow = entry?.flow;
    if (flow != null && !flow.ended) {
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

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_SEC;
    const o = this.options;
    for (const flow of this.flows.values()) {
      const idle = now - flow.lastSec;
      let limit = o.otherTimeoutSec;
      if (flow.proto === IPPROTO.TCP) limit = tcpClosed(flow.history) ? o.tcpCloseSec : o.tcpTimeoutSec;
      else if (flow.proto === IPPROTO.UDP) limit = o.udpTimeoutSec;
      if (idle > limit) this.end(flow);
    }
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
    this.flows.delete(flow.key);
    this.emit(flow, true);
  }

  private emit(flow: Flow, final: boolean): void {
    if (flow.serverName === null) flow.serverName = this.dns.nameOf(flow.dstIp);
    this.sink(flow, final);
    flow.emissions++;
    flow.dirty = false;
  }
}

/** Labels whose packets feed the passive DNS. */
function isDnsApp(app: string): boolean {
  return app === 'dns' || app === 'mdns' || app === 'llmnr';
}

function v6Endpoint(b: Uint8Array, o: number, port: number): string {
  return String.fromCharCode(
    (b[o] << 8) | b[o + 1],
    (b[o + 2] << 8) | b[o + 3],
    (b[o + 4] << 8) | b[o + 5],
    (b[o + 6] << 8) | b[o + 7],
    (b[o + 8] << 8) | b[o + 9],
    (b[o + 10] << 8) | b[o + 11],
    (b[o + 12] << 8) | b[o + 13],
    (b[o + 14] << 8) | b[o + 15],
    port,
  );
}
