import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type CaptureTracker,
  createIngest,
  followCaptures,
  queueCapture,
  type RoleContext,
  storeTracker,
} from '@capstream/embedded';
import { streamSourceOf } from '@capstream/ingest/sources';
import { type CaptureJob, type Logger, TOPICS } from '@capstream/pipeline';
import { openStore, type Store, storeConfigFromEnv } from '@capstream/store';
import type { ApiBackend, FlowsLandedEvent } from './backend.ts';
import { pipelineBackend } from './backend-common.ts';

/** At most one `flowsLanded` tick a second per running capture. */
const TICK_MS = 1000;

export interface ClusterBackendOptions {
  /** Address the pcap-over-IP listeners bind. */
  host: string;
  /** Names this instance's consumer groups; unique per process (default: host name and a random part). */
  instance?: string;
}

export type ClusterBackend = ApiBackend & {
  /** Closes the listeners, waits for the live streams they were reading, leaves the groups, closes the store. */
  close(): Promise<void>;
};

/** A consumer-group-safe name for this process. */
function instanceName(): string {
  return `${hostname().replace(/[^\w.-]/g, '-')}-${randomBytes(4).toString('hex')}`;
}

/**
 * The API as its own service: jobs go to Kafka, captures are followed from the jobs and events
 * topics, queries go to the store (a ClickHouse server; or chDB when the writer runs in this
 * process: `serve writer,api`), uploads and the capture archive are on the shared data volume.
 *
 * Every instance follows every capture through consumer groups of its own (observers: latest
 * offsets, no commits), so a subscriber on any instance gets every update. Its tracker persists
 * nothing: the writer owns the `captures` table; it only reports DONE once the store holds the
 * capture's flows, like the writer's.
 */
export async function clusterBackend(ctx: RoleContext, opts: ClusterBackendOptions): Promise<ClusterBackend> {
  const log = ctx.log.child({ role: 'api' });
  // No migrations here: the migration Job and the writer run them, and concurrent migrations of
  // one database could both rebuild a rollup.
  const store = await openStore(storeConfigFromEnv(ctx.env, { dataDir: ctx.dataDir }), { migrate: false });
  const tracker = storeTracker(store, { persist: false });
  const { stage, archive, uploads } = await createIngest(ctx);
  const group = `capstream-api-${opts.instance ?? instanceName()}`;
  const subs = await followCaptures(ctx.transport, tracker, {
    jobsGroup: `${group}-jobs`,
    deadLettersGroup: `${group}-dead-letters`,
    eventsGroup: `${group}-events`,
    observer: true,
  });
  const ticks = landedTicks(tracker, store, log);
  const reading = new Set<Promise<unknown>>();
  const send = (job: CaptureJob) =>
    ctx.transport.send<CaptureJob>(TOPICS.jobs, [{ key: job.captureId, value: job }]);

  const backend = pipelineBackend(
    {
      store,
      registry: ctx.registry,
      tracker,
      archive,
      uploads,
      async submit(input) {
        const { job, state } = await queueCapture(tracker, input);
        await send(job);
        return state;
      },
      async submitStream(opened, input) {
        const { job, state } = await queueCapture(tracker, { ...input, source: streamSourceOf(opened) });
        // The job announces the capture to the writer (ingest roles skip stream jobs); the bytes
        // are read here, where the connection arrived, and go on as segments like any others.
        await send(job);
        const run = stage
          .ingest(job, opened)
          .catch((e) => log.error({ captureId: job.captureId, err: (e as Error).message }, 'stream failed'))
          .finally(() => reading.delete(run));
        reading.add(run);
        return state;
      },
      onFlowsLanded: ticks.on,
    },
    { host: opts.host, log },
  );
  log.info({ groups: `${group}-{jobs,events}`, store: store.description }, 'following captures');

  return {
    ...backend,
    async close() {
      await backend.closeListeners();
      await Promise.allSettled(reading);
      ticks.stop();
      await Promise.all(subs.map((s) => s.close()));
      await store.close();
    },
  };
}

/**
 * `flowsLanded` for an API that does not write the flows. The writer is another process, so the
 * tick follows the capture's progress instead: while it runs, at most one a second per capture
 * (each with the flows the store holds then: one count query), and one when it ends, once the
 * store holds all of its flows (the tracker reports DONE only then). The dashboard refetches on
 * a tick, so a tick a little before the rows land costs one refetch, and the last one is exact.
 */
function landedTicks(tracker: CaptureTracker, store: Store, log: Logger) {
  const listeners = new Set<(e: FlowsLandedEvent) => void>();
  /** When the last tick of each running capture was taken. */
  const last = new Map<string, number>();
  const emit = (captureId: string, datasetId: string, flows: number) => {
    const e: FlowsLandedEvent = { captureId, datasetId, flows, at: new Date().toISOString() };
    for (const l of listeners) l(e);
  };
  const unwatch = tracker.watchAll((s) => {
    const id = s.capture_id;
    if (s.status === 'DONE' || s.status === 'FAILED') {
      // A count still in flight for this capture is dropped: this tick is the last word.
      last.delete(id);
      if (listeners.size > 0) emit(id, s.dataset_id, s.flows);
      return;
    }
    if (listeners.size === 0 || s.status === 'QUEUED') return;
    const now = Date.now();
    if (now - (last.get(id) ?? 0) < TICK_MS) return;
    last.set(id, now);
    store.flows.count(id).then(
      (flows) => {
        if (last.has(id)) emit(id, s.dataset_id, flows);
      },
      (e) => log.warn({ captureId: id, err: (e as Error).message }, 'flow count for a tick failed'),
    );
  });
  return {
    on(listener: (e: FlowsLandedEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: unwatch,
  };
}
