import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GeoConfig } from '@capstream/geo';
import { BufferPool, type CaptureArchive } from '@capstream/ingest';
import {
  displaySourceOf,
  type OpenedSource,
  streamSourceOf,
  type UploadStore,
} from '@capstream/ingest/sources';
import {
  type CaptureJob,
  type CaptureSource,
  type Logger,
  MemoryTransport,
  type Segment,
  silentLogger,
  TOPICS,
} from '@capstream/pipeline';
import type { Store } from '@capstream/store';
import { Registry } from 'prom-client';
import { type EmbeddedConfig, loadEmbeddedConfig } from './config.ts';
import { type RoleContext, startIngestRole, startParserRole, startWriterRole } from './roles.ts';
import type { CaptureState, CaptureTracker } from './tracker.ts';

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

/**
 * A new capture: its job (the one shape every submitter sends) with a fresh id, recorded in the
 * tracker first so that the capture shows at once, before any stage has picked it up.
 */
export async function queueCapture(
  tracker: CaptureTracker,
  input: { source: CaptureSource; name: string; datasetId: string },
): Promise<{ job: CaptureJob; state: CaptureState }> {
  const job: CaptureJob = {
    captureId: newCaptureId(),
    datasetId: input.datasetId,
    name: input.name,
    source: input.source,
    submittedAt: new Date().toISOString(),
  };
  const state = await tracker.submitted(job, displaySourceOf(input.source));
  return { job, state };
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
  const config = options.config ?? loadEmbeddedConfig(undefined, env);
  const segmentBuffers = new BufferPool();
  const transport = new MemoryTransport({
    // One thread does all the work here: more partitions only cut the flows into more, smaller
    // store writes (each costs ~90 ms in chDB whatever its size).
    partitions: 1,
    // Segments (~1 MiB each) go to the parser a few at a time and are let go once parsed. With
    // the defaults, up to 256 + 64 of them waited in memory: held long enough to reach V8's old
    // generation, they were freed only by full collections, and their ~1 GB per GB of capture
    // started one every ~64 MB (16 of the 20 on the benchmark capture, each ~0.3 s of marking
    // threads' CPU).
    topicLimits: { [TOPICS.segments]: { maxBacklog: 4, maxBatch: 1 } },
    // ...and their buffers are reused once parsed: fresh ones, ~1 GB per GB of capture, started
    // full collections on their own (see BufferPool).
    onTrim: (topic, dropped) => {
      if (topic !== TOPICS.segments) return;
      for (const m of dropped) segmentBuffers.give((m.value as Segment).records);
    },
    onHandlerError: (e, topic, group) =>
      log.error({ err: (e as Error).message, topic, group }, 'stage failed a batch; retrying'),
  });
  const ctx: RoleContext = {
    transport,
    dataDir,
    env,
    log,
    registry,
    config,
    segmentBytes: options.segmentBytes,
    segmentBuffers,
    liveFlushMs: options.liveFlushMs,
    geo: options.geo,
  };
  // The writer first, so that nothing the others emit waits for a consumer.
  const writer = await startWriterRole(ctx);
  const parser = await startParserRole(ctx);
  const ingestRole = await startIngestRole(ctx);
  const { store, tracker } = writer;
  const { archive, uploads } = ingestRole;
  const ingest = ingestRole.stage;
  log.info({ dataDir, store: store.description }, 'embedded pipeline started');

  return {
    store,
    tracker,
    archive,
    uploads,
    registry,
    dataDir,
    async submit(input) {
      const source = typeof input.source === 'string' ? sourceOf(input.source) : input.source;
      const { job, state } = await queueCapture(tracker, {
        source,
        name: input.name ?? defaultName(source),
        datasetId: input.datasetId ?? 'default',
      });
      await transport.send<CaptureJob>(TOPICS.jobs, [{ key: job.captureId, value: job }]);
      return state;
    },
    async submitStream(opened, input) {
      const { job, state } = await queueCapture(tracker, {
        source: streamSourceOf(opened),
        name: input.name,
        datasetId: input.datasetId ?? 'default',
      });
      // A live stream is read where it arrives; it cannot travel as a job.
      void ingest
        .ingest(job, opened)
        .catch((e) => log.error({ captureId: job.captureId, err: (e as Error).message }, 'stream failed'));
      return state;
    },
    async stop() {
      await ingestRole.stop();
      await parser.stop();
      await writer.stop();
      await transport.close();
    },
  };
}

function defaultName(s: CaptureSource): string {
  const text = displaySourceOf(s);
  return text.split(/[\\/]/).filter(Boolean).pop() ?? text;
}
