import type { AddressScope } from '@capstream/pipeline';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GeoStats } from './geo-db.ts';

export interface GeoMetrics {
  flows: Counter;
  lookups: Counter<'scope'>;
  batchSize: Histogram;
  writeSeconds: Histogram;
  writeErrors: Counter;
  deadLetters: Counter;
  cacheHits: Counter;
  cacheMisses: Counter;
  cacheHitRatio: Gauge;
  /**
   * Adds what a database counted since the last call for it: the database keeps plain numbers
   * on its hot path, and the counters follow once per batch.
   */
  syncDatabase(stats: GeoStats): void;
}

/** The geo stage's metrics, in `registry` (a private one when none is given). */
export function geoMetrics(registry: Registry = new Registry()): GeoMetrics {
  const registers = [registry];
  const cacheHits = new Counter({
    name: 'capstream_geo_cache_hits_total',
    help: 'Public address lookups answered from the cache',
    registers,
  });
  const cacheMisses = new Counter({
    name: 'capstream_geo_cache_misses_total',
    help: 'Public address lookups that went to the databases',
    registers,
  });
  const lookups = new Counter({
    name: 'capstream_geo_lookups_total',
    help: 'Address lookups, by the scope of the address (only public ones reach a database)',
    labelNames: ['scope'] as const,
    registers,
  });
  let hits = 0;
  let misses = 0;
  const seen = new WeakMap<GeoStats, { lookups: Record<string, number>; hits: number; misses: number }>();
  return {
    flows: new Counter({
      name: 'capstream_geo_flows_enriched_total',
      help: 'Flows enriched and written',
      registers,
    }),
    lookups,
    batchSize: new Histogram({
      name: 'capstream_geo_batch_size',
      help: 'Flows per write',
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000, 50000],
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'capstream_geo_write_seconds',
      help: 'Time to write a batch downstream (successful writes)',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers,
    }),
    writeErrors: new Counter({
      name: 'capstream_geo_write_errors_total',
      help: 'Failed writes (each is tried again)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'capstream_geo_dead_letters_total',
      help: 'Messages that could not be enriched, sent to the dead-letter topic',
      registers,
    }),
    cacheHits,
    cacheMisses,
    cacheHitRatio: new Gauge({
      name: 'capstream_geo_cache_hit_ratio',
      help: 'Share of public address lookups answered from the cache since start',
      registers,
      collect() {
        this.set(hits + misses === 0 ? 0 : hits / (hits + misses));
      },
    }),
    syncDatabase(stats) {
      let last = seen.get(stats);
      if (last === undefined) {
        last = { lookups: {}, hits: 0, misses: 0 };
        seen.set(stats, last);
      }
      for (const [scope, n] of Object.entries(stats.lookups) as [AddressScope, number][]) {
        const d = n - (last.lookups[scope] ?? 0);
        if (d > 0) lookups.inc({ scope }, d);
        last.lookups[scope] = n;
      }
      const dh = stats.cacheHits - last.hits;
      const dm = stats.cacheMisses - last.misses;
      if (dh > 0) cacheHits.inc(dh);
      if (dm > 0) cacheMisses.inc(dm);
      hits += Math.max(0, dh);
      misses += Math.max(0, dm);
      last.hits = stats.cacheHits;
      last.misses = stats.cacheMisses;
    },
  };
}
