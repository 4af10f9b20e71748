import type { DnsRecord } from '../app/dns.ts';
import { v6UnitsOfText, v6UnitsText } from '../app/ip-text.ts';
import { formatIPv4, parseIPv4 } from '../ip-words.ts';
import { QuadKeyMap } from '../quad-key-map.ts';

/** Cap on remembered addresses; past it the oldest are forgotten first. */
const MAX_ENTRIES = 200_000;

/** A remembered name, with when it was learnt (a counter), for forgetting the oldest first. */
interface Learnt {
  name: string;
  seq: number;
}

/**
 * A capture's passive DNS: which name each address was looked up as. An address reached through
 * a CNAME chain maps to the name the client asked for (the head of the chain), as a user would
 * call it. Past its cap, the addresses learnt (or learnt again) longest ago are forgotten first.
 *
 * IPv4 addresses are kept by number: kept by text in a Map, each answer cost a fresh string to
 * hash and a delete and a set in a large Map (~1.7 µs, a twentieth of `capstream flows` on a
 * capture with many DNS answers). Their order of learning is a queue of (address, seq) with
 * stale entries skipped. IPv6 addresses stay in a Map, whose order is theirs, keyed by their
 * eight 16-bit groups as code units (v6Units, the flow keys' form): no text made per answer or
 * per flow, and a short key to hash.
 */
export class PassiveDns {
  private readonly v4 = new QuadKeyMap<Learnt>();
  /** IPv6 addresses by v6Units. */
  private readonly v6 = new Map<string, Learnt>();
  private readonly queueAddr: number[] = [];
  private readonly queueSeq: number[] = [];
  private queueHead = 0;
  private seq = 0;

  /** @param maxEntries addresses remembered; past it the oldest 1% are forgotten at once */
  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  nameOf(ip: string): string | null {
    if (!ip.includes(':')) {
      const v4 = parseIPv4(ip);
      return v4 < 0 ? null : this.nameOfV4(v4);
    }
    const units = v6UnitsOfText(ip);
    return units === null ? null : this.nameOfV6(units);
  }

  /** The name of an IPv4 address given as an unsigned 32-bit number. */
  nameOfV4(addr: number): string | null {
    return this.v4.get(addr, 0, 0, 1)?.name ?? null;
  }

  /** The name of an IPv6 address given as v6Units. */
  nameOfV6(units: string): string | null {
    return this.v6.get(units)?.name ?? null;
  }

  /** Every address (as text) and its name; IPv4 addresses first. */
  *entries(): Generator<[string, string]> {
    for (let i = this.queueHead; i < this.queueAddr.length; i++) {
      const e = this.liveAt(i);
      if (e !== undefined) yield [formatIPv4(this.queueAddr[i]!), e.name];
    }
    for (const [units, e] of this.v6) yield [v6UnitsText(units), e.name];
  }

  /** Learns the records of one DNS response. */
  learn(records: readonly DnsRecord[]): void {
    if (records.length === 0) return;
    let alias: Map<string, string> | null = null;
    for (const r of records) {
      if (r.type !== 'CNAME') continue;
      alias ??= new Map();
      alias.set(r.value, r.name);
    }
    for (const r of records) {
      if (r.type === 'CNAME') continue;
      let name = r.name;
      // Walk the chain back to its head, bounded against loops.
      for (let i = 0; alias !== null && i < 16; i++) {
        const up = alias.get(name);
        if (up === undefined) break;
        name = up;
      }
      if (r.type === 'A') {
        const addr = r.addr4 >= 0 ? r.addr4 : parseIPv4(r.value);
        if (addr >= 0) this.learn4(addr, name);
      } else {
        const units = r.addr6 ?? v6UnitsOfText(r.value);
        if (units !== null) this.learn6(units, name);
      }
      if (this.size > this.maxEntries) this.forgetOldest();
    }
  }

  private learn4(addr: number, name: string): void {
    const had = this.v4.get(addr, 0, 0, 1);
    if (had?.name === name) return;
    // Learnt again: it counts as the newest (its older place in the queue goes stale).
    const seq = ++this.seq;
    if (had !== undefined) {
      had.name = name;
      had.seq = seq;
    } else {
      this.v4.set(addr, 0, 0, 1, { name, seq });
    }
    this.queueAddr.push(addr);
    this.queueSeq.push(seq);
    // Each learning again leaves a stale entry behind: once they outnumber the live ones the
    // queue is rebuilt (amortised O(1); below the cap nothing else would ever drop them).
    if (this.queueAddr.length - this.queueHead > 2 * this.v4.size + 4096) this.compactQueue();
  }

  private compactQueue(): void {
    let out = 0;
    for (let i = this.queueHead; i < this.queueAddr.length; i++) {
      if (this.liveAt(i) === undefined) continue;
      this.queueAddr[out] = this.queueAddr[i]!;
      this.queueSeq[out++] = this.queueSeq[i]!;
    }
    this.queueAddr.length = out;
    this.queueSeq.length = out;
    this.queueHead = 0;
  }

  private learn6(units: string, name: string): void {
    const had = this.v6.get(units);
    if (had?.name === name) return;
    if (had !== undefined) this.v6.delete(units);
    this.v6.set(units, { name, seq: ++this.seq });
  }

  /** The entry a queue position stands for, unless it went stale (learnt again, or forgotten). */
  private liveAt(i: number): Learnt | undefined {
    const e = this.v4.get(this.queueAddr[i]!, 0, 0, 1);
    return e !== undefined && e.seq === this.queueSeq[i] ? e : undefined;
  }

  /** The queue's oldest live IPv4 entry's position (skipping stale ones), or -1. */
  private oldest4(): number {
    for (; this.queueHead < this.queueAddr.length; this.queueHead++) {
      if (this.liveAt(this.queueHead) !== undefined) return this.queueHead;
    }
    return -1;
  }

  /**
   * Forgets the oldest 1% in one pass, across both kinds, in the order they were learnt. (One at
   * a time, each lookup of a Map's first key skipped every slot deleted before it: a capture with
   * a few hundred thousand names past the cap took minutes.)
   */
  private forgetOldest(): void {
    let n = Math.max(1, Math.floor(this.maxEntries / 100));
    const sixes = this.v6.entries();
    let six = sixes.next();
    while (n-- > 0) {
      const at = this.oldest4();
      const seq4 = at < 0 ? Number.POSITIVE_INFINITY : this.queueSeq[at]!;
      if (!six.done && six.value[1].seq < seq4) {
        // Deleting the entry being visited is allowed while iterating a Map.
        this.v6.delete(six.value[0]);
        six = sixes.next();
      } else if (at >= 0) {
        this.v4.delete(this.queueAddr[at]!, 0, 0, 1);
        this.queueHead++;
      } else {
        return;
      }
    }
  }
}
