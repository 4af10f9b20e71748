import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGeoStage,
  type GeoConfig,
  type GeoDatabase,
  geoConfigFromEnv,
  openGeoDatabaseLogged,
  resolveGeoConfig,
} from '@capstream/geo';
import { type BufferPool, CaptureArchive, createIngestStage, type IngestStage } from '@capstream/ingest';
import { displaySourceOf, openSource, type SourceContext, UploadStore } from '@capstream/ingest/sources';
import { createParserStage } from '@capstream/parser';
import {
  type CaptureEvent,
  type CaptureJob,
  type ConsumerContext,
  ContentToken,
  type DeadLetter,
  type Delivery,
  type DnsNames,
  type Logger,
  type Stage,
  type Subscription,
  TOPICS,
  type Transport,
} from '@capstream/pipeline';
import { openStore, type Store, storeConfigFromEnv } from '@capstream/store';
import type { Registry } from 'prom-client';
import type { EmbeddedConfig } from './config.ts';
import { CaptureTracker } from './tracker.ts';

/**
 * What every role is started with. The same roles run together in one process over the
 * in-process transport (the embedded mode) or one per process over Kafka (`capstream serve`).
 */
export interface RoleContext {
  transport: Transport;
  /** Shared by the roles of one deployment: the capture archive and uploads live here; chDB too. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  registry: Registry;
  config: EmbeddedConfig;
  segmentBytes?: number;
  /** Segment buffers, given back by the transport once parsed (the in-process one only). */
  segmentBuffers?: BufferPool;
  liveFlushMs?: number;
  geo?: Partial<GeoConfig>;
}

export interface Role {
  stop(): Promise<void>;
}

function archiveOf(ctx: RoleContext): CaptureArchive {
  mkdirSync(ctx.dataDir, { recursive: true });
  return new CaptureArchive(join(ctx.dataDir, 'captures'));
}

export interface IngestParts {
  stage: IngestStage;
  archive: CaptureArchive;
  uploads: UploadStore;
}

/**
 * The ingest stage over the shared data directory (capture archive, upload store), not yet
 * consuming jobs: the ingest role starts it; the API reads live streams through it with
 * `stage.ingest(job, opened)` where their connections arrive.
 */
export async function createIngest(ctx: RoleContext): Promise<IngestParts> {
  const archive = archiveOf(ctx);
  const uploads = await UploadStore.open(join(ctx.dataDir, 'uploads'));
  const c = ctx.config;
  const sourceContext: SourceContext = {
    uploadStore: uploads,
    // The ingest stage copies what it keeps of a chunk (see its read loop).
    file: { reuseChunks: true },
    fetch: { env: ctx.env, allow: c.fetch.allow, maxBytes: c.fetch.maxBytes, timeoutMs: c.fetch.timeoutMs },
  };
  const segmentBytes = ctx.segmentBytes ?? c.segmentBytes;
  const stage = createIngestStage(
    { archiveDir: archive.dir, ...(segmentBytes ? { segmentBytes } : {}) },
    {
      transport: ctx.transport,
      archive,
      segmentBuffers: ctx.segmentBuffers,
      log: ctx.log.child({ stage: 'ingest' }),
      registry: ctx.registry,
      openSource: (job) => openSource(job.source, sourceContext),
    },
  );
  return { stage, archive, uploads };
}

/** Reads capture jobs' sources into segments (and the archive). */
export async function startIngestRole(ctx: RoleContext): Promise<Role & IngestParts> {
  const parts = await createIngest(ctx);
  await parts.stage.start();
  return { ...parts, stop: () => parts.stage.stop() };
}

/** Turns segments into flows; replays from the shared archive after a restart. */
export async function startParserRole(ctx: RoleContext): Promise<Role> {
  const archive = archiveOf(ctx);
  const liveFlushMs = ctx.liveFlushMs ?? ctx.config.liveFlushMs;
  const stage = createParserStage(liveFlushMs ? { liveFlushMs } : {}, {
    transport: ctx.transport,
    replay: (id, end) => (existsSync(archive.path(id)) ? archive.read(id, 0, end) : null),
    log: ctx.log.child({ stage: 'parser' }),
    registry: ctx.registry,
  });
  await stage.start();
  return { stop: () => stage.stop() };
}

/**
 * Owns the store: geo enrichment and flow writes, DNS names, and the captures table (from jobs
 * and events). With chDB this is the one process that opens the data directory.
 */
export async function startWriterRole(
  ctx: RoleContext,
): Promise<Role & { store: Store; tracker: CaptureTracker }> {
  const { transport, log } = ctx;
  const geoFiles = Object.fromEntries(Object.entries(ctx.config.geo).filter(([, v]) => v !== undefined));
  const geoConfig = geoConfigFromEnv(ctx.env, { ...geoFiles, ...ctx.geo });
  // Both take a few hundred ms (chDB's migrations; reading ~150 MB of databases): side by side.
  const geoDb = openGeoDatabaseLogged(resolveGeoConfig(geoConfig), log.child({ stage: 'geo' }));
  let store: Store;
  try {
    store = await openStore(storeConfigFromEnv(ctx.env, { dataDir: ctx.dataDir }));
  } catch (e) {
    await geoDb.catch(() => {});
    throw e;
  }
  let db: GeoDatabase;
  try {
    db = await geoDb;
  } catch (e) {
    await store.close();
    throw e;
  }
  const tracker = storeTracker(store, { persist: true });
  const geo: Stage = createGeoStage(geoConfig, {
    db,
    transport,
    flows: {
      async insert(rows, token) {
        await store.flows.insert(rows, token);
        const perCapture = new Map<string, number>();
        for (const r of rows) perCapture.set(r.capture_id, (perCapture.get(r.capture_id) ?? 0) + 1);
        for (const [id, n] of perCapture) tracker.flowsStored(id, n);
      },
    },
    log: log.child({ stage: 'geo' }),
    registry: ctx.registry,
  });
  const subs: Subscription[] = [
    ...(await followCaptures(transport, tracker, {
      jobsGroup: 'capstream-tracker-jobs',
      eventsGroup: 'capstream-tracker',
      deadLettersGroup: 'capstream-tracker-dead-letters',
      observer: false,
    })),
    await transport.subscribe<DnsNames>(TOPICS.dns, 'capstream-dns', async (batch, c) => {
      const rows = batch.flatMap(({ value: { capture_id, names } }) =>
        names.map(({ ip, name }) => ({ capture_id, ip, name })),
      );
      const content = new ContentToken();
      for (const d of rows) content.add3(d.capture_id, d.ip, d.name);
      const token = content.token();
      await store.dns.insert(rows, `dns-${token}`);
      await c.commit(batch[0].partition, batch[batch.length - 1].offset);
    }),
  ];
  await geo.start();
  return {
    store,
    tracker,
    async stop() {
      await geo.stop();
      // Together: each waits for its fetch in flight (up to the consumer's max wait), so one by one adds up.
      await Promise.all(subs.map((s) => s.close()));
      await store.close();
    },
  };
}

/**
 * A capture tracker over the store: a capture reads as DONE once the store holds its final
 * flows, and one it meets mid-way starts from its stored row. Only the owner of the `captures`
 * table persists (the writer); an observer (the API in a cluster) keeps its states in memory.
 */
export function storeTracker(store: Store, opts: { persist: boolean }): CaptureTracker {
  return new CaptureTracker({
    persist: opts.persist
      ? async (s) => {
          await store.captures.upsert(s);
        }
      : async () => {},
    storedFlows: (id) => store.flows.count(id, { final: true }),
    load: async (id) => {
      const row = await store.captures.get(id);
      if (!row) return undefined;
      const { version: _version, ...state } = row;
      return state;
    },
  });
}

export interface FollowOptions {
  jobsGroup: string;
  eventsGroup: string;
  deadLettersGroup: string;
  /**
   * An observer's groups start at the latest offsets and never commit: it wants what happens
   * from now on, and Kafka forgets a group without offsets once its consumer leaves (no stale
   * groups, no lag reported for them). The writer's groups commit and resume.
   */
  observer: boolean;
}

/**
 * Feeds a tracker from the jobs, events and dead-letter topics (a group each: kafkajs assigns
 * per group, not per topic).
 */
export async function followCaptures(
  transport: Transport,
  tracker: CaptureTracker,
  opts: FollowOptions,
): Promise<Subscription[]> {
  const start = opts.observer ? 'latest' : 'earliest';
  const done = async (batch: Delivery<unknown>[], c: ConsumerContext) => {
    if (!opts.observer) await c.commit(batch[0].partition, batch[batch.length - 1].offset);
  };
  return [
    await transport.subscribe<CaptureJob>(
      TOPICS.jobs,
      opts.jobsGroup,
      async (batch, c) => {
        for (const d of batch) await tracker.submitted(d.value, displaySourceOf(d.value.source));
        await done(batch, c);
      },
      { start },
    ),
    await transport.subscribe<CaptureEvent>(
      TOPICS.events,
      opts.eventsGroup,
      async (batch, c) => {
        for (const d of batch) await tracker.event(d.value);
        await done(batch, c);
      },
      { start },
    ),
    await transport.subscribe<DeadLetter>(
      TOPICS.deadLetter,
      opts.deadLettersGroup,
      async (batch, c) => {
        for (const d of batch) await tracker.deadLetter(d.value);
        await done(batch, c);
      },
      { start },
    ),
  ];
}
