import type { DnsRecord } from '../app/dns.ts';
import { parseIPv4 } from '../ip-words.ts';
import { QuadKeyMap } from '../quad-key-map.ts';

/** Cap on remembered addresses; past it the oldest are forgotten first. */
const MAX_ENTRIES = 200_000;

/**
 * A capture's passive DNS: which name each address was looked up as. An address reached through
 * a CNAME chain maps to the name the client asked for (the head of the chain), as a user would
 * call it.
 */
export class PassiveDns {
  /** Name by address text, oldest learnt first. */
  readonly names = new Map<string, string>();
  /**
   * The IPv4 entries of `names` again, by number: what a flow's emission and a repeated answer
   * look up. A lookup in `names` by text cost ~1 µs (a fresh string to hash, and a large Map's
   * scattered entries): a tenth of `capstream flows` on a capture with many DNS answers.
   */
  private readonly v4 = new QuadKeyMap<string>();

  /** @param maxEntries addresses remembered; past it the oldest 1% are forgotten at once */
  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  nameOf(ip: string): string | null {
    return this.names.get(ip) ?? null;
  }

  /** The name of an IPv4 address given as an unsigned 32-bit number. */
  nameOfV4(addr: number): string | null {
    return this.v4.get(addr, 0, 0, 1) ?? null;
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
      const addr = r.type !== 'A' ? -1 : r.addr4 >= 0 ? r.addr4 : parseIPv4(r.value);
      const had = addr >= 0 ? this.v4.get(addr, 0, 0, 1) : this.names.get(r.value);
      if (had === name) continue;
      // Learnt again: it moves to the end, the newest.
      if (had !== undefined) this.names.delete(r.value);
      this.names.set(r.value, name);
      if (addr >= 0) this.v4.set(addr, 0, 0, 1, name);
      if (this.names.size > this.maxEntries) this.forgetOldest();
    }
  }

  /**
   * Forgets the oldest 1% in one pass. One at a time, each lookup of the Map's first key skipped
   * every slot deleted before it (V8 compacts deleted slots only when the Map grows): a capture
   * with a few hundred thousand names past the cap took minutes.
   */
  private forgetOldest(): void {
    let n = Math.max(1, Math.floor(this.maxEntries / 100));
    for (const ip of this.names.keys()) {
      this.names.delete(ip);
      if (!ip.includes(':')) this.v4.delete(parseIPv4(ip), 0, 0, 1);
      if (--n === 0) break;
    }
  }
}
