import {
  type ConsumerContext,
  ContentToken,
  type DeadLetter,
  type Delivery,
  type EnrichedFlow,
  type FlowMessage,
  failpoint,
  type Logger,
  type Message,
  type Stage,
  type Subscription,
  silentLogger,
  TOPICS,
  type Transport,
} from '@capstream/pipeline';
import type { Registry } from 'prom-client';
import { type GeoConfig, resolveGeoConfig } from './config.ts';
import { enrichFlow } from './enrich.ts';
import { type GeoDatabase, openGeoDatabase } from './geo-db.ts';
import { type GeoMetrics, geoMetrics } from './metrics.ts';

export { AsnTable } from './asn-table.ts';
export {
  DBIP_ATTRIBUTION,
  MAXMIND_ATTRIBUTION,
  NRO_ATTRIBUTION,
  ROUTEVIEWS_ATTRIBUTION,
} from './attribution.ts';
export { DEFAULT_GEO_CONFIG, GEO_ENV, type GeoConfig, geoConfigFromEnv, resolveGeoConfig } from './config.ts';
export { enrichFlow, type GeoLookup } from './enrich.ts';
export { GeoError, type GeoErrorCode } from './errors.ts';
export {
  defaultDatabasePaths,
  type GeoDatabase,
  type GeoSources,
  type GeoStats,
  openGeoDatabase,
  SCOPES,
} from './geo-db.ts';
export { type GeoMetrics, geoMetrics } from './metrics.ts';
export { addressScope, ResolvedAddress, resolveAddress, scopeOfIPv4 } from './scope.ts';

/** Where enriched flows go: the store's flows repository has this shape. */
export interface FlowWriter {
  /** Writes one batch; the same batch with the same token again must not be stored twice. */
  insert(rows: EnrichedFlow[], dedupToken: string): Promise<void>;
}

export interface GeoDeps {
  transport: Transport;
  flows: FlowWriter;
  /** An open database (tests, or one shared by several stages); opened from the config otherwise. */
  db?: GeoDatabase;
  log?: Logger;
  registry?: Registry;
}

export interface GeoStage extends Stage {
  readonly metrics: GeoMetrics;
  /** The database in use, once started. */
  readonly db: GeoDatabase | null;
}

/** The consumer group of the geo stage on the flows topic. */
export const GEO_GROUP = 'capstream-geo';

/**
 * The token a batch is written with: the same offsets of the same partition and the same flows
 * give the same token, so a batch delivered again after a crash between write and commit is not
 * stored twice. The content part keeps batches of a new transport (offsets from 0 again) apart
 * from those written before it.
 */
export function dedupToken(
  topic: string,
  partition: number,
  firstOffset: number,
  lastOffset: number,
  content = '',
): string {
  return `geo/${topic}/${partition}/${firstOffset}-${lastOffset}#${content}`;
}

/**
 * What a drain writes besides complete batches: nothing more, everything pending when it starts
 * (the quiet-time flush, stop), or everything up to an offset (a capture's last flow).
 */
type PartialFlush = 'none' | 'pending' | number;

interface PartitionState {
  pending: Delivery<FlowMessage>[];
  ctx: ConsumerContext | null;
  timer: NodeJS.Timeout | null;
  /** When the oldest pending flow arrived (ms), for maxDelayMs. */
  since: number;
  /** When the last flows arrived (ms), for flushIntervalMs. */
  lastArrival: number;
  /** Handlers waiting for writes before they take more flows (backpressure): not a quiet time. */
  held: number;
  /** Drains of this partition, one after the other. */
  chain: Promise<void>;
}

/**
 * The geo stage: consumes `TOPICS.flows` as group `capstream-geo`, adds scope, place and AS to
 * both ends of each flow, writes the rows and commits only once the write resolved.
 *
 * Batches: offsets are cut at multiples of `batchSize` (a batch holds offsets
 * [k·batchSize, (k+1)·batchSize)), whatever the transport's own batching, so a full batch always
 * has the same offsets and the same dedup token, also when delivered again in other slices after
 * a restart. A partial batch is written after `flushIntervalMs` without more flows, or at once up
 * to a capture's last flow (`capture_end`).
 *
 * Backpressure: a handler that completes a batch returns only once it is written, so a slow
 * writer slows its partition's delivery. A failed write is tried again (backoff from `retryMs`
 * doubling to `maxRetryMs`) for as long as it takes; nothing is committed past it meanwhile.
 *
 * `stop()` stops taking flows, writes and commits what it holds (one try each; what fails is left
 * uncommitted and delivered again to the next consumer), and resolves when the subscription is
 * closed.
 */
export function createGeoStage(settings: Partial<GeoConfig>, deps: GeoDeps): GeoStage {
  const log = deps.log ?? silentLogger;
  const metrics = geoMetrics(deps.registry);
  const topic = TOPICS.flows;
  let config: GeoConfig | null = null;
  let db: GeoDatabase | null = deps.db ?? null;
  let sub: Subscription | null = null;
  let stopping = false;
  let abort = new AbortController();
  let partitions = new Map<number, PartitionState>();

  function stateOf(partition: number): PartitionState {
    let st = partitions.get(partition);
    if (st === undefined) {
      st = {
        pending: [],
        ctx: null,
        timer: null,
        since: 0,
        lastArrival: 0,
        held: 0,
        chain: Promise.resolve(),
      };
      partitions.set(partition, st);
    }
    return st;
  }

  /** Runs a drain after the ones already queued for this partition. Never rejects. */
  function schedule(st: PartitionState, partial: PartialFlush): Promise<void> {
    st.chain = st.chain
      .then(() => drain(st, partial))
      .catch((e: unknown) => {
        // A bug, not a bad message (those go to the dead-letter topic): what is pending stays
        // pending and uncommitted, and the next drain tries again.
        log.error({ err: (e as Error).message }, 'geo drain failed');
      });
    return st.chain;
  }

  /**
   * How many leading pending messages form a batch to write now: the messages of the first
   * offset bucket once the bucket is complete (its last offset is in, or a later bucket's
   * message is); else those of them up to offset `flushUpTo`. 0 when there is nothing to write yet.
   */
  function ready(pending: Delivery<FlowMessage>[], size: number, flushUpTo: number): number {
    if (pending.length === 0) return 0;
    const bucket = Math.floor(pending[0].offset / size);
    const bucketEnd = (bucket + 1) * size - 1;
    const n = countUpTo(pending, pending.length, bucketEnd);
    if (n < pending.length || pending[n - 1].offset === bucketEnd) return n;
    return countUpTo(pending, n, flushUpTo);
  }

  async function drain(st: PartitionState, partial: PartialFlush): Promise<void> {
    // Drains queued by deliveries before a stop: stop() runs its own (one try), after them.
    if (stopping && partial !== 'pending') return;
    const c = config!;
    // A partial flush writes what is pending now; flows arriving during its writes wait for the
    // next flush, or they would be written in a cascade of small batches, one per write's time.
    const flushUpTo =
      c.flushIntervalMs === 0
        ? Number.POSITIVE_INFINITY
        : partial === 'pending'
          ? (st.pending.at(-1)?.offset ?? -1)
          : partial === 'none'
            ? -1
            : partial;
    for (;;) {
      const n = ready(st.pending, c.batchSize, flushUpTo);
      if (n === 0) break;
      const batch = st.pending.slice(0, n);
      if (!(await write(batch))) return; // given up while stopping: stays uncommitted
      st.pending.splice(0, n);
      st.since = st.pending.length > 0 ? Date.now() : 0;
      const last = batch[n - 1];
      try {
        await st.ctx!.commit(last.partition, last.offset);
      } catch (e) {
        // Written but not committed: delivered again later under the same token, so not stored twice.
        log.warn(
          { err: (e as Error).message, partition: last.partition, offset: last.offset },
          'commit failed',
        );
      }
    }
    armQuietFlush(st);
  }

  /**
   * Debounced: what is pending is written when the partition goes quiet (no flows for
   * flushIntervalMs), or at the latest maxDelayMs after its oldest flow.
   */
  function armQuietFlush(st: PartitionState): void {
    if (st.timer !== null) {
      clearTimeout(st.timer);
      st.timer = null;
    }
    if (st.pending.length === 0) {
      st.since = 0;
      return;
    }
    if (stopping) return;
    const c = config!;
    if (st.since === 0) st.since = Date.now();
    const due = () => Math.min(st.lastArrival + c.flushIntervalMs, st.since + c.maxDelayMs);
    st.timer = setTimeout(
      () => {
        st.timer = null;
        // While a handler holds flows back until writes finish, upstream is not quiet but
        // waiting for us: the handler arms the flush again once it takes flows again.
        if (st.held > 0) return;
        // Flows that came in since (their drains wait behind a write in progress) put it off:
        // quiet is judged by arrivals, or a long write would split every batch that it delays.
        if (Date.now() < due()) armQuietFlush(st);
        else void schedule(st, 'pending');
      },
      Math.max(0, due() - Date.now()),
    );
  }

  /** Enriches and writes one batch; true once written, false when given up because of stop(). */
  async function write(batch: Delivery<FlowMessage>[]): Promise<boolean> {
    const c = config!;
    const d = db!;
    const rows: EnrichedFlow[] = [];
    const bad: Message<DeadLetter>[] = [];
    for (const m of batch) {
      try {
        rows.push(enrichFlow(m.value, d));
      } catch (e) {
        // A message that is no flow: set aside, so it cannot stop its partition.
        bad.push({
          key: m.key,
          value: {
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            group: GEO_GROUP,
            key: m.key,
            code: 'NOT_A_FLOW',
            reason: (e as Error).message,
            at: new Date().toISOString(),
            value: Buffer.from(JSON.stringify(m.value) ?? 'null').toString('base64'),
          },
        });
      }
    }
    metrics.syncDatabase(d.stats);
    if (bad.length > 0) {
      log.warn(
        { count: bad.length, first: bad[0].value.reason },
        'flows that cannot be enriched sent to dead letter',
      );
      metrics.deadLetters.inc(bad.length);
      await deps.transport.send(TOPICS.deadLetter, bad);
    }
    if (rows.length === 0) return true;
    const first = batch[0];
    const last = batch[batch.length - 1];
    const token = dedupToken(first.topic, first.partition, first.offset, last.offset, flowsToken(rows));
    let wait = c.retryMs;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await deps.flows.insert(rows, token);
        // Written, not yet committed: the gap a crash must not turn into lost or doubled rows.
        failpoint('geo.after-write');
        metrics.writeSeconds.observe((performance.now() - started) / 1000);
        metrics.batchSize.observe(rows.length);
        metrics.flows.inc(rows.length);
        return true;
      } catch (e) {
        metrics.writeErrors.inc();
        const context = { err: (e as Error).message, token, rows: rows.length, attempt };
        if (stopping) {
          log.warn(context, 'write failed while stopping; the batch will be delivered again');
          return false;
        }
        log.warn({ ...context, retryInMs: wait }, 'write failed; trying again');
        await sleep(wait, abort.signal);
        if (stopping) return false;
        wait = Math.min(wait * 2, c.maxRetryMs);
      }
    }
  }

  async function handle(batch: Delivery<FlowMessage>[], ctx: ConsumerContext): Promise<void> {
    // While stopping nothing is taken: uncommitted, it is delivered again to the next consumer.
    if (stopping || batch.length === 0) return;
    const st = stateOf(batch[0].partition);
    st.ctx = ctx;
    st.lastArrival = Date.now();
    // A capture's last flow: nothing more of it is coming, so its tail is written now, not after
    // the quiet time (its DONE waits for these rows). Up to that offset only: the batch cut stays
    // the same when the same messages come again.
    let captureEnd = -1;
    for (const m of batch) {
      st.pending.push(m);
      // (A value that is no flow, even null, goes to the dead-letter topic when written.)
      if ((m.value as FlowMessage | null)?.capture_end === true) captureEnd = m.offset;
    }
    const drained = schedule(st, captureEnd >= 0 ? captureEnd : 'none');
    // Up to two batches are taken in while one is written, so the stages upstream keep working
    // during a write; beyond that the handler waits, and delivery (and so memory) with it.
    if (st.pending.length >= 2 * config!.batchSize) {
      st.held++;
      try {
        await drained;
      } finally {
        st.held--;
        // What upstream held back comes now: an arrival, not a quiet time since the last one.
        st.lastArrival = Date.now();
        armQuietFlush(st);
      }
    }
  }

  return {
    name: 'geo',
    metrics,
    get db() {
      return db;
    },
    async start() {
      if (sub !== null) return;
      config = resolveGeoConfig(settings);
      db ??= await openGeoDatabaseLogged(config, log);
      stopping = false;
      abort = new AbortController();
      partitions = new Map();
      sub = await deps.transport.subscribe<FlowMessage>(topic, GEO_GROUP, handle);
      log.info({ topic, group: GEO_GROUP, batchSize: config.batchSize }, 'geo stage started');
    },
    async stop() {
      if (sub === null) return;
      stopping = true;
      abort.abort();
      const states = [...partitions.values()];
      for (const st of states) {
        if (st.timer !== null) clearTimeout(st.timer);
        st.timer = null;
      }
      // Write and commit what is held (one try each), then let the in-flight handlers return.
      await Promise.all(states.map((st) => schedule(st, 'pending')));
      await sub.close();
      sub = null;
      const left = states.reduce((n, st) => n + st.pending.length, 0);
      log.info({ uncommitted: left }, 'geo stage stopped');
    },
  };
}

/** The content part of a batch's dedup token: its flows' identities, capture/flow/version. */
function flowsToken(rows: readonly EnrichedFlow[]): string {
  const t = new ContentToken();
  for (const r of rows) t.add3(r.capture_id, r.flow_id, r.version);
  return t.token();
}

/**
 * How many of the first `n` messages have an offset up to `offset`: a binary search, since a
 * partition's messages arrive in offset order (a linear scan per delivery cost ~0.2 s per
 * 200,000 flows once 100,000 were pending).
 */
function countUpTo(pending: readonly Delivery<unknown>[], n: number, offset: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pending[mid]!.offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Opens the databases the configuration names (openGeoDatabase) and logs what and how long. */
export async function openGeoDatabaseLogged(config: GeoConfig, log: Logger): Promise<GeoDatabase> {
  const started = performance.now();
  const db = await openGeoDatabase(config);
  log.info({ sources: db.sources, ms: Math.round(performance.now() - started) }, 'geo databases opened');
  return db;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
