import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGeoStage, type GeoConfig, geoConfigFromEnv } from '@capstream/geo';
import { CaptureArchive, createIngestStage, type IngestStage } from '@capstream/ingest';
import { type OpenedSource, openSource, type SourceContext, UploadStore } from '@capstream/ingest/sources';
import { createParserStage } from '@capstream/parser';
import {
  type CaptureEvent,
  type CaptureJob,
  type CaptureSource,
  contentToken,
  type DnsName,
  type Logger,
  MemoryTransport,
  type Stage,
  type Subscription,
  silentLogger,
  TOPICS,
  withoutQuery,
} from '@capstream/pipeline';
import { openStore, type Store, storeConfigFromEnv } from '@capstream/store';
import { Registry } from 'prom-client';
import { type EmbeddedConfig, loadEmbeddedConfig } from './config.ts';
import { type CaptureState, CaptureTracker } from './tracker.ts';

export interface EmbeddedOptions {
  /** Everything lives here: chDB files, the capture archive, uploads. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  geo?: Partial<GeoConfig>;
  /** Segment size, for tests that want many small segments. */
  segmentBytes?: number;
  /** Parser's wall-clock flush period for live captures. */
  liveFlushMs?: number;
  /** Settings from a config file (see config.ts); options given here win. */
  config?: EmbeddedConfig;
}

export interface SubmitInput {
  /** A local path, an http(s) URL, an Azure Blob URL with a SAS, or a prepared source. */
  source: string | CaptureSource;
  name?: string;
  datasetId?: string;
}

export interface Embedded {
  readonly store: Store;
  readonly tracker: CaptureTracker;
  readonly archive: CaptureArchive;
  /** Where uploaded captures are kept until (and after) they are read. */
  readonly uploads: UploadStore;
  readonly registry: Registry;
  readonly dataDir: string;
  /** Queues a capture; its progress shows in the tracker. */
  submit(input: SubmitInput): Promise<CaptureState>;
  /** Reads a live or already-open byte stream as a capture (pcap-over-IP connections). */
  submitStream(opened: OpenedSource, input: { name: string; datasetId?: string }): Promise<CaptureState>;
  stop(): Promise<void>;
}

/** A time-ordered, unguessable capture id. */
export function newCaptureId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** What a user typed, as a capture source: a URL by its scheme, else a path. */
export function sourceOf(text: string): CaptureSource {
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const azure = /\.blob\.core\.windows\.net$/i.test(url.hostname) || url.searchParams.has('sig');
    return azure ? { kind: 'azure', url: text } : { kind: 'http', url: text };
  }
  return { kind: 'file', path: resolve(text) };
}

function displaySource(s: CaptureSource): string {
  switch (s.kind) {
    case 'file':
      return s.path;
    case 'upload':
      return `upload:${s.storeKey}`;
    case 'http':
    case 'azure':
      return withoutQuery(s.url);
    case 'stream':
      return `pcap-over-ip:${s.remote}`;
    default: {
      const never: never = s;
      return String(never);
    }
  }
}

/**
 * Starts the whole pipeline in this process: ingest → parser → geo → ClickHouse (chDB), with
 * the in-process transport between the stages. The same stage code runs as separate services
 * over Kafka; only this wiring differs.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const env = options.env ?? process.env;
  const log = options.log ?? silentLogger;
  const registry = new Registry();
  const store = await openStore(storeConfigFromEnv(env, { dataDir }));
  const archive = new CaptureArchive(join(dataDir, 'captures'));
  const transport = new MemoryTransport({
    partitions: 4,
    onHandlerError: (e, topic, group) =>
      log.error({ err: (e as Error).message, topic, group }, 'stage failed a batch; retrying'),
  });
  const uploads = await UploadStore.open(join(dataDir, 'uploads'));
  const config = options.config ?? loadEmbeddedConfig(undefined, env);
  const sourceContext: SourceContext = {
    uploadStore: uploads,
    fetch: {
      env,
      allow: config.fetch.allow,
      maxBytes: config.fetch.maxBytes,
      timeoutMs: config.fetch.timeoutMs,
    },
  };
  const segmentBytes = options.segmentBytes ?? config.segmentBytes;
  const liveFlushMs = options.liveFlushMs ?? config.liveFlushMs;
  const tracker = new CaptureTracker({
    persist: async (s) => {
      await store.captures.upsert(s);
    },
    storedFlows: (id) => store.flows.count(id, { final: true }),
  });

  const ingest: IngestStage = createIngestStage(
    { archiveDir: archive.dir, ...(segmentBytes ? { segmentBytes } : {}) },
    {
      transport,
      archive,
      log: log.child({ stage: 'ingest' }),
      registry,
      openSource: (job) => openSource(job.source, sourceContext),
    },
  );
  const parser = createParserStage(liveFlushMs ? { liveFlushMs } : {}, {
    transport,
    replay: (id, end) => (existsSync(archive.path(id)) ? archive.read(id, 0, end) : null),
    log: log.child({ stage: 'parser' }),
    registry,
  });
  const geo = createGeoStage(geoConfigFromEnv(env, { ...definedOnly(config.geo), ...options.geo }), {
    transport,
    flows: store.flows,
    log: log.child({ stage: 'geo' }),
    registry,
  });
  const stages: Stage[] = [geo, parser, ingest];
  const subs: Subscription[] = [];
  subs.push(
    await transport.subscribe<CaptureEvent>(TOPICS.events, 'capstream-tracker', async (batch, ctx) => {
      for (const d of batch) await tracker.event(d.value);
      await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    }),
    await transport.subscribe<DnsName>(TOPICS.dns, 'capstream-dns', async (batch, ctx) => {
      const first = batch[0];
      await store.dns.insert(
        batch.map((d) => d.value),
        `dns-${contentToken(batch.map((d) => `${d.value.capture_id}/${d.value.ip}/${d.value.name}`))}`,
      );
      await ctx.commit(first.partition, batch[batch.length - 1].offset);
    }),
  );
  for (const s of stages) await s.start();
  log.info({ dataDir, store: store.description }, 'embedded pipeline started');

  async function queue(
    source: CaptureSource,
    name: string,
    datasetId: string,
  ): Promise<{ job: CaptureJob; state: CaptureState }> {
    const job: CaptureJob = {
      captureId: newCaptureId(),
      datasetId,
      name,
      source,
      submittedAt: new Date().toISOString(),
    };
    const state = await tracker.submitted(job, displaySource(source));
    return { job, state };
  }

  return {
    store,
    tracker,
    archive,
    uploads,
    registry,
    dataDir,
    async submit(input) {
      const source = typeof input.source === 'string' ? sourceOf(input.source) : input.source;
      const { job, state } = await queue(
        source,
        input.name ?? defaultName(source),
        input.datasetId ?? 'default',
      );
      await transport.send<CaptureJob>(TOPICS.jobs, [{ key: job.captureId, value: job }]);
      return state;
    },
    async submitStream(opened, input) {
      const { job, state } = await queue(
        { kind: 'stream', remote: opened.displaySource },
        input.name,
        input.datasetId ?? 'default',
      );
      // A live stream is read where it arrives; it cannot travel as a job.
      void ingest
        .ingest(job, opened)
        .catch((e) => log.error({ captureId: job.captureId, err: (e as Error).message }, 'stream failed'));
      return state;
    },
    async stop() {
      for (const s of [...stages].reverse()) await s.stop();
      for (const s of subs) await s.close();
      await transport.close();
      await store.close();
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultName(s: CaptureSource): string {
  const text = displaySource(s);
  return text.split(/[\\/]/).filter(Boolean).pop() ?? text;
}
