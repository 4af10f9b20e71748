import type { EnrichedFlow, FlowMessage, GeoInfo } from '@capstream/pipeline';
import type { GeoDatabase, GeoStats } from './geo-db.ts';
import { SCOPES } from './geo-db.ts';
import type { FlowWriter } from './index.ts';
import { addressScope } from './scope.ts';

/**
 * Test helpers for the geo service and its neighbours: a recording FlowWriter that dedups by
 * token as ClickHouse does, a database with canned answers, and a FlowMessage builder.
 */

export interface WriteCall {
  rows: EnrichedFlow[];
  dedupToken: string;
  /** False when the token had been seen: the rows were dropped, as ClickHouse's dedup would. */
  stored: boolean;
}

export interface FakeFlowWriterOptions {
  /**
   * Decides per call (1-based) whether it fails: 'before' fails without storing, 'after' stores
   * and then fails (the write landed but its acknowledgement was lost). Default: never.
   */
  fail?: (call: number, rows: EnrichedFlow[], dedupToken: string) => 'before' | 'after' | null;
  /** Resolves each call after this many milliseconds (default 0). */
  delayMs?: number;
}

export class FakeFlowWriter implements FlowWriter {
  readonly calls: WriteCall[] = [];
  /** Rows stored, in order (a token's rows once). */
  readonly rows: EnrichedFlow[] = [];
  private readonly tokens = new Set<string>();
  private inFlight = 0;
  /** Most writes seen running at once. */
  maxConcurrent = 0;

  constructor(private readonly options: FakeFlowWriterOptions = {}) {}

  async insert(rows: EnrichedFlow[], dedupToken: string): Promise<void> {
    const n = this.calls.length + 1;
    const failure = this.options.fail?.(n, rows, dedupToken) ?? null;
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    try {
      if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
      if (failure === 'before') {
        this.calls.push({ rows: [...rows], dedupToken, stored: false });
        throw new Error(`fake write ${n} failed`);
      }
      const stored = !this.tokens.has(dedupToken);
      this.calls.push({ rows: [...rows], dedupToken, stored });
      if (stored) {
        this.tokens.add(dedupToken);
        this.rows.push(...rows);
      }
      if (failure === 'after') throw new Error(`fake write ${n} stored but failed`);
    } finally {
      this.inFlight--;
    }
  }
}

let nextFlow = 0;

/** A FlowMessage with plausible values; `overrides` win. Each call gets a new flow id. */
export function flowMessage(overrides: Partial<FlowMessage> = {}): FlowMessage {
  const n = nextFlow++;
  return {
    flow_id: `flow-${n}`,
    src_ip: '192.168.1.10',
    src_port: 50000 + (n % 10000),
    dst_ip: '8.8.8.8',
    dst_port: 53,
    ip_version: 4,
    ip_proto: 17,
    packets_src: 1,
    packets_dst: 1,
    bytes_src: 74,
    bytes_dst: 90,
    payload_bytes_src: 46,
    payload_bytes_dst: 62,
    first_seen: '2024-01-01T00:00:00.000000Z',
    last_seen: '2024-01-01T00:00:00.010000Z',
    duration: 0.01,
    app: 'DNS',
    server_name: null,
    tls_version: null,
    alpn: null,
    quic_version: null,
    tcp_state: null,
    tcp_flags_src: null,
    tcp_flags_dst: null,
    tunnel: null,
    capture_id: 'capture-test',
    version: 1,
    first_ns: '1704067200000000000',
    last_ns: '1704067200010000000',
    final: true,
    ...overrides,
  };
}

/**
 * A GeoDatabase with canned answers: scopes from addressScope, public addresses from `answers`
 * (unknown ones: all null). Counts lookups like the real one; no cache.
 */
export function fakeGeoDatabase(answers: Record<string, Partial<Omit<GeoInfo, 'scope'>>> = {}): GeoDatabase {
  const stats: GeoStats = {
    lookups: Object.fromEntries(SCOPES.map((s) => [s, 0])) as GeoStats['lookups'],
    cacheHits: 0,
    cacheMisses: 0,
  };
  return {
    stats,
    attribution: [],
    sources: { country: [], city: [], asn: [] },
    lookup(ip) {
      const scope = addressScope(ip);
      stats.lookups[scope]++;
      const none = { scope, country: null, city: null, lat: null, lon: null, asn: null, asOrg: null };
      if (scope !== 'public') return none;
      stats.cacheMisses++;
      return { ...none, ...answers[ip] };
    },
  };
}
