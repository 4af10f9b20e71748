import { CaptureError, gzipFailure, unwrapCapture } from '@capstream/core';
import {
  type CaptureEvent,
  type CaptureJob,
  type Logger,
  type Segment,
  type Stage,
  type Subscription,
  silentLogger,
  TOPICS,
  type Transport,
} from '@capstream/pipeline';
import { Registry } from 'prom-client';
import type { ArchiveWriter, CaptureArchive } from './archive.ts';
import type { BufferPool } from './buffer-pool.ts';
import { type IngestConfig, ingestConfig } from './config.ts';
import { fileHasher, sha256Hasher } from './hasher.ts';
import { type IngestMetrics, ingestMetrics } from './metrics.ts';
import { Segmenter } from './segmenter.ts';
import type { OpenedSource } from './sources/source.ts';

export { CaptureArchive } from './archive.ts';
export { BufferPool } from './buffer-pool.ts';
export { type IngestConfig, ingestConfig } from './config.ts';
export { Segmenter } from './segmenter.ts';

export interface IngestDeps {
  transport: Transport;
  /** Opens a job's source (the sources module; tests may pass their own). */
  openSource: (job: CaptureJob) => Promise<OpenedSource>;
  archive?: CaptureArchive | null;
  /**
   * Where segment buffers come from, when the transport gives them back once consumed (the
   * in-process one does: see MemoryTransport's onTrim). Unset: a fresh buffer per segment.
   */
  segmentBuffers?: BufferPool;
  log?: Logger;
  registry?: Registry;
}

/** Handing a segment or an event to the transport failed (a broker away): no fault of the capture. */
export class HandoffError extends Error {
  override readonly name = 'HandoffError';
  readonly code = 'HANDOFF';
  constructor(cause: unknown) {
    super(`could not hand the capture on to the pipeline: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

async function handOff(send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (e) {
    throw new HandoffError(e);
  }
}

export interface IngestResult {
  captureId: string;
  bytesRead: number;
  packets: number;
  segments: number;
  error: string | null;
}

export interface IngestStage extends Stage {
  /** Reads one capture to its end (used by the job consumer and by live streams). */
  ingest(job: CaptureJob, opened?: OpenedSource): Promise<IngestResult>;
  readonly metrics: IngestMetrics;
}

/**
 * The ingest stage: takes capture jobs, reads each source as a stream, cuts it into segments
 * (key: capture id, so a capture's segments stay in order) and reports progress. A job's offset
 * is committed once all its segments are handed to the transport.
 */
export function createIngestStage(partial: Partial<IngestConfig>, deps: IngestDeps): IngestStage {
  const config = ingestConfig(partial);
  const log = deps.log ?? silentLogger;
  const metrics = ingestMetrics(deps.registry ?? new Registry());
  const transport = deps.transport;
  let sub: Subscription | null = null;

  const event = (e: Omit<CaptureEvent, 'at' | 'stage'>) =>
    handOff(() =>
      transport.send<CaptureEvent>(TOPICS.events, [
        { key: e.captureId, value: { ...e, stage: 'ingest', at: new Date().toISOString() } },
      ]),
    );

  async function ingest(job: CaptureJob, given?: OpenedSource): Promise<IngestResult> {
    metrics.active.inc();
    try {
      return await read(job, given);
    } finally {
      live.delete(job.captureId);
      metrics.active.dec();
    }
  }

  async function read(job: CaptureJob, given?: OpenedSource): Promise<IngestResult> {
    const { captureId } = job;
    if (job.source.kind === 'stream') live.add(captureId);
    const result: IngestResult = { captureId, bytesRead: 0, packets: 0, segments: 0, error: null };
    let opened: OpenedSource;
    try {
      opened = given ?? (await deps.openSource(job));
    } catch (e) {
      result.error = (e as Error).message;
      log.warn({ captureId, err: result.error }, 'capture source failed');
      metrics.captures.inc({ outcome: 'source_failed' });
      await event({ captureId, status: 'FAILED', error: result.error });
      await sendSegment({
        captureId,
        seq: 0,
        offset: 0,
        header: new Uint8Array(0),
        records: new Uint8Array(0),
        packets: 0,
        last: true,
        error: { code: 'SOURCE', offset: 0, reason: result.error },
      });
      return result;
    }
    await event({ captureId, status: 'RUNNING', bytesRead: 0, bytesTotal: opened.size });
    const segmenter = new Segmenter({ maxBytes: config.segmentBytes, buffers: deps.segmentBuffers });
    let archive: ArchiveWriter | null = null;
    let linked = false;
    let lastProgress = Date.now();
    let lastCut = Date.now();
    let seq = 0;
    const send = async (cut: ReturnType<Segmenter['push']>) => {
      for (const s of cut) {
        await sendSegment({ captureId, ...s, last: false });
        seq = s.seq + 1;
        result.segments++;
      }
    };
    let error: CaptureError | null = null;
    // A local file's worker reads the file itself; other bytes are copied to the hashing thread.
    const hash = opened.localFile !== undefined ? fileHasher(opened.localFile) : sha256Hasher();
    let gzip = false;
    try {
      // Every chunk is used before the next is asked for: copied by the hasher and the segmenter,
      // written by the archive before the loop goes on. So a source may reuse its buffers.
      const unwrapped = await unwrapCapture(
        opened.stream,
        (raw) => {
          result.bytesRead += raw.length;
          hash.update(raw);
          metrics.bytes.inc(raw.length);
        },
        { chunksReused: opened.reusesChunks === true },
      );
      const { bytes } = unwrapped;
      gzip = unwrapped.gzip;
      // A local file read as it is becomes the archive through a hard link; anything else is copied.
      linked =
        !gzip && opened.localFile !== undefined && (deps.archive?.link(captureId, opened.localFile) ?? false);
      if (!linked) archive = deps.archive?.writer(captureId) ?? null;
      try {
        for await (const chunk of bytes) {
          // The hashing thread is behind: reading waits for it, the rest of the process goes on.
          await hash.ready();
          await archive?.write(chunk);
          await send(segmenter.push(chunk));
          const now = Date.now();
          // A live stream trickles: what arrived goes on within a second, not when 1 MiB is full.
          if (now - lastCut >= config.liveFlushMs) {
            await send(segmenter.flush());
            lastCut = now;
          }
          if (now - lastProgress >= config.progressMs) {
            lastProgress = now;
            await event({
              captureId,
              bytesRead: result.bytesRead,
              bytesTotal: opened.size,
              packets: segmenter.totalPackets,
            });
          }
        }
        await send(segmenter.end());
      } catch (e) {
        if (e instanceof HandoffError) throw e;
        error = e instanceof CaptureError ? e : gzipFailure(e, segmenter.consumed);
        if (error === null) throw e;
        await send(segmenter.flush());
      }
    } catch (e) {
      // The transport broke, not the capture: the job fails and comes again (read from the start;
      // segments already handed on are skipped by the parser by their sequence numbers).
      if (e instanceof HandoffError) {
        hash.discard();
        throw e;
      }
      // The source itself broke (network, disk): what was read stays, the capture says why it stopped.
      error = new CaptureError('IO', segmenter.consumed, (e as Error).message);
    } finally {
      await archive?.end().catch(() => {});
    }
    if (linked) {
      try {
        deps.archive!.seal(captureId);
      } catch (e) {
        log.warn({ captureId, err: (e as Error).message }, 'could not note the linked capture file');
      }
    }
    result.packets = segmenter.totalPackets;
    result.error = error?.message ?? null;
    const sha256 = await hash.digest().catch((e: unknown) => {
      log.warn({ captureId, err: (e as Error).message }, 'could not hash the capture');
      return undefined;
    });
    await event({
      captureId,
      bytesRead: result.bytesRead,
      bytesTotal: opened.size ?? result.bytesRead,
      packets: result.packets,
      ...(sha256 !== undefined ? { sha256 } : {}),
      format: `${segmenter.format ?? 'unknown'}${gzip ? '+gzip' : ''}`,
    });
    // The last segment goes after the final facts: the parser's verdict closes the capture.
    await sendSegment({
      captureId,
      seq,
      offset: segmenter.consumed,
      header: new Uint8Array(0),
      records: new Uint8Array(0),
      packets: 0,
      last: true,
      ...(error ? { error: { code: error.code, offset: error.offset, reason: error.reason } } : {}),
    });
    result.segments++;
    metrics.captures.inc({ outcome: error ? 'broken' : 'read' });
    log.info(
      { captureId, bytes: result.bytesRead, packets: result.packets, error: result.error },
      'capture read',
    );
    return result;
  }

  const live = new Set<string>();

  async function sendSegment(s: Segment): Promise<void> {
    if (live.has(s.captureId)) s.live = true;
    await handOff(() => transport.send<Segment>(TOPICS.segments, [{ key: s.captureId, value: s }]));
    metrics.segments.inc();
  }

  return {
    name: 'ingest',
    metrics,
    ingest,
    async start() {
      sub = await transport.subscribe<CaptureJob>(TOPICS.jobs, 'capstream-ingest', async (batch, ctx) => {
        for (const d of batch) {
          // A live stream is read by the process its connection arrived at (the API in a
          // cluster); its job only announces the capture to the trackers.
          if (d.value.source.kind !== 'stream') await ingest(d.value);
          await ctx.commit(d.partition, d.offset);
        }
      });
    },
    async stop() {
      await sub?.close();
      sub = null;
    },
  };
}
