import { CaptureReader, epochNanosText, type Flow, FlowTable, toFlowRecord } from '@capstream/core';
import {
  type CaptureEvent,
  type DnsNames,
  type FlowMessage,
  type Logger,
  type Message,
  type Segment,
  type Stage,
  type Subscription,
  silentLogger,
  TOPICS,
  type Transport,
} from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { type ParserConfig, parserConfig } from './config.ts';
import { parserMetrics } from './metrics.ts';

export { DEFAULT_PARSER_CONFIG, type ParserConfig, parserConfig } from './config.ts';

export interface ParserDeps {
  transport: Transport;
  /**
   * The capture's bytes from its start up to `end` (the archive), to rebuild flow state when a
   * capture's segments arrive after a restart without the earlier ones. Null when not kept.
   */
  replay?: ((captureId: string, end: number) => AsyncIterable<Uint8Array> | null) | null;
  log?: Logger;
  registry?: Registry;
}

interface OpenCapture {
  id: string;
  table: FlowTable;
  nextSeq: number;
  precision: number;
  out: Message<FlowMessage>[];
  /** Final flows emitted so far. */
  finals: number;
  /** A live stream: active flows are flushed on the wall clock. */
  live: boolean;
  /** When the last progress event went out (ms). */
  lastEvent: number;
  linkTypes: Set<number>;
  /** Time span as [sec, nsec] pairs; null before the first packet. */
  first: [number, number] | null;
  last: [number, number];
  /** Serialises segment work and timer flushes of one capture. */
  lock: Promise<void>;
}

/** Names per DNS message: ~2,000 names is ~100 KB, well under Kafka's default message limit. */
const DNS_NAMES_PER_MESSAGE = 2000;

/** A flow as the pipeline carries it: the CLI record plus capture id, version and exact times. */
export function flowMessage(flow: Flow, final: boolean, precision: number, captureId: string): FlowMessage {
  // The record is fresh: extend it in place rather than copy 25 fields into a new object.
  const m = toFlowRecord(flow, precision) as FlowMessage;
  // The flow id is per 5-tuple and start; the capture makes it unique across captures.
  m.capture_id = captureId;
  // More packets is newer; at equal packets the final emission wins. Content-derived, so a
  // replay produces the same versions whatever the timing of live flushes.
  m.version = (m.packets_src + m.packets_dst) * 2 + (final ? 1 : 0);
  m.first_ns = epochNanosText(flow.firstSec, flow.firstNsec);
  m.last_ns = epochNanosText(flow.lastSec, flow.lastNsec);
  m.final = final;
  return m;
}

/**
 * The parser stage: segments in (per capture, in order), flows out. Flow state lives per capture
 * across segments; each segment's flows are sent before its offset is committed. A duplicate
 * segment is skipped; a capture met in the middle (after a restart) is first replayed from the
 * archive, which re-emits the same flows with the same ids and versions (the store keeps one).
 */
export function createParserStage(
  partial: Partial<ParserConfig>,
  deps: ParserDeps,
): Stage & { open(): number } {
  const config = parserConfig(partial);
  const log = deps.log ?? silentLogger;
  const registry = deps.registry ?? new Registry();
  const m = parserMetrics(registry);
  const transport = deps.transport;
  const captures = new Map<string, OpenCapture>();
  let sub: Subscription | null = null;
  let timer: NodeJS.Timeout | null = null;

  const event = (captureId: string, e: Omit<CaptureEvent, 'at' | 'stage' | 'captureId'>) =>
    transport.send<CaptureEvent>(TOPICS.events, [
      { key: captureId, value: { captureId, ...e, stage: 'parser', at: new Date().toISOString() } },
    ]);

  function openCapture(id: string): OpenCapture {
    const c: OpenCapture = {
      id,
      nextSeq: 0,
      precision: 0,
      out: [],
      finals: 0,
      live: false,
      lastEvent: 0,
      linkTypes: new Set(),
      first: null,
      last: [0, 0],
      lock: Promise.resolve(),
      table: new FlowTable((flow, final) => {
        if (final) c.finals++;
        const value = flowMessage(flow, final, c.precision, id);
        // Keyed by capture, as its segments are: its flows stay in order on one partition, so the
        // geo stage writes a capture's flows in few large batches (each write costs ClickHouse a
        // part in `flows` and in every rollup) and many captures still spread over the partitions.
        c.out.push({ key: id, value });
      }, config.flow),
    };
    captures.set(id, c);
    m.open.set(captures.size);
    return c;
  }

  /** Feeds whole capture bytes (a segment, or the archive) through the capture's flow table. */
  function feed(c: OpenCapture, bytes: Iterable<Uint8Array>): void {
    const reader = readerFor(c);
    for (const b of bytes) reader.push(b);
    noteLayout(c, reader);
  }

  /** A reader feeding the capture's flow table and noting its time span. */
  function readerFor(c: OpenCapture): CaptureReader {
    const reader: CaptureReader = new CaptureReader((p) => {
      // The precision is known from the interface headers, before the first packet: flows that
      // end while this very segment is read already print at the capture's full precision.
      if (reader.layout.precision > c.precision) c.precision = reader.layout.precision;
      c.table.packet(p);
      const f = c.first;
      if (f === null || p.tsSec < f[0] || (p.tsSec === f[0] && p.tsNsec < f[1]))
        c.first = [p.tsSec, p.tsNsec];
      const l = c.last;
      if (p.tsSec > l[0] || (p.tsSec === l[0] && p.tsNsec > l[1])) {
        l[0] = p.tsSec;
        l[1] = p.tsNsec;
      }
    });
    return reader;
  }

  function noteLayout(c: OpenCapture, reader: CaptureReader): void {
    if (reader.layout.precision > c.precision) c.precision = reader.layout.precision;
    for (const t of reader.layout.linkTypes) c.linkTypes.add(t);
  }

  async function replay(c: OpenCapture, seg: Segment): Promise<void> {
    const source = deps.replay?.(c.id, seg.offset) ?? null;
    if (source === null) {
      log.warn(
        { captureId: c.id, seq: seg.seq },
        'capture met mid-way and no archive to replay: its earlier flows are partial',
      );
      c.table.count('segments_missing', seg.seq);
      return;
    }
    m.replays.inc();
    const reader = readerFor(c);
    for await (const chunk of source) reader.push(chunk);
    noteLayout(c, reader);
    log.info({ captureId: c.id, upTo: seg.offset }, 'replayed capture from the archive');
  }

  async function flushOut(c: OpenCapture): Promise<void> {
    if (c.out.length === 0) return;
    const out = c.out;
    c.out = [];
    let finals = 0;
    for (const o of out) if (o.value.final) finals++;
    m.flows.inc({ final: 'true' }, finals);
    m.flows.inc({ final: 'false' }, out.length - finals);
    await transport.send<FlowMessage>(TOPICS.flows, out);
  }

  async function segment(seg: Segment): Promise<void> {
    let c = captures.get(seg.captureId);
    if (c === undefined) {
      c = openCapture(seg.captureId);
      if (seg.seq > 0) await replay(c, seg);
      c.nextSeq = seg.seq;
    }
    const cap = c;
    const run = async () => {
      if (seg.seq < cap.nextSeq) return; // delivered again: already applied
      if (seg.seq > cap.nextSeq) {
        // Segments in between were set aside (dead letters): the flows miss their packets.
        log.warn({ captureId: cap.id, from: cap.nextSeq, to: seg.seq - 1 }, 'segments missing');
        cap.table.count('segments_missing', seg.seq - cap.nextSeq);
      }
      if (seg.live) cap.live = true;
      if (seg.records.length > 0) {
        feed(cap, [seg.header, seg.records]);
        m.packets.inc(seg.packets);
      }
      m.segments.inc();
      cap.nextSeq = seg.seq + 1;
      if (seg.last) {
        cap.table.finish();
        const end = cap.out.at(-1);
        if (end) end.value.capture_end = true;
        await flushOut(cap);
        await finishCapture(cap, seg);
      } else {
        await flushOut(cap);
        // Progress at most twice a second per capture: enough for a progress bar.
        const now = Date.now();
        if (now - cap.lastEvent >= 500) {
          cap.lastEvent = now;
          await event(cap.id, { packets: cap.table.packets });
        }
      }
    };
    await serially(cap, run);
  }

  /**
   * Runs `work` after the capture's earlier work, settled either way: a failure must not be
   * stored in the chain, or every later segment of the capture would fail with it without
   * running (a broker away for a moment left a capture stuck until the parser restarted).
   * Work that fails (a send refused: the broker away) leaves the capture's state ahead of what
   * was handed on, its flows taken out of `out` and `nextSeq` past the segment. It is forgotten,
   * as a restarted parser would have lost it: the segment comes again from the last commit
   * and the capture is rebuilt from the archive (same flow ids and versions).
   */
  async function serially(c: OpenCapture, work: () => Promise<void>): Promise<void> {
    const done = c.lock.then(work);
    c.lock = done.catch(() => {});
    try {
      await done;
    } catch (e) {
      if (captures.get(c.id) === c) {
        captures.delete(c.id);
        m.open.set(captures.size);
        log.warn(
          { captureId: c.id, err: (e as Error)?.message ?? String(e) },
          'could not hand the capture on; it is rebuilt when its segments come again',
        );
      }
      throw e;
    }
  }

  async function finishCapture(c: OpenCapture, seg: Segment): Promise<void> {
    const messages: Message<DnsNames>[] = [];
    let names: DnsNames['names'] = [];
    for (const [ip, name] of c.table.dns.entries()) {
      names.push({ ip, name });
      if (names.length === DNS_NAMES_PER_MESSAGE) {
        messages.push({ key: c.id, value: { capture_id: c.id, names } });
        names = [];
      }
    }
    if (names.length > 0) messages.push({ key: c.id, value: { capture_id: c.id, names } });
    if (messages.length > 0) await transport.send<DnsNames>(TOPICS.dns, messages);
    const broken = seg.error !== undefined;
    // A capture cut short keeps what it had (DONE, with the reason); anything else broken failed.
    const status = !broken || (seg.error!.code === 'TRUNCATED' && c.table.packets > 0) ? 'DONE' : 'FAILED';
    const error = broken
      ? `${seg.error!.code === 'TRUNCATED' ? 'truncated' : 'malformed'} at byte ${seg.error!.offset}: ${seg.error!.reason}`
      : undefined;
    // `flows` is what the store must hold for the capture before it reads as done.
    await event(c.id, {
      status,
      packets: c.table.packets,
      flows: c.finals,
      linkTypes: [...c.linkTypes],
      counters: Object.fromEntries(c.table.counters),
      ...(c.first !== null ? { firstNs: epochNanosText(...c.first), lastNs: epochNanosText(...c.last) } : {}),
      ...(error ? { error } : {}),
    });
    captures.delete(c.id);
    m.open.set(captures.size);
    log.info({ captureId: c.id, packets: c.table.packets, status }, 'capture parsed');
  }

  return {
    name: 'parser',
    open: () => captures.size,
    async start() {
      sub = await transport.subscribe<Segment>(TOPICS.segments, 'capstream-parser', async (batch, ctx) => {
        // One commit for the batch, once every segment's flows are sent: a commit is a round trip
        // to the broker, and a crash mid-batch only means its segments come again (skipped by seq).
        for (const d of batch) await segment(d.value);
        const last = batch[batch.length - 1];
        await ctx.commit(last.partition, last.offset);
      });
      timer = setInterval(() => {
        // Only live streams: a file read at full speed would write its active flows again and
        // again for nothing; its flows show as they end.
        for (const c of captures.values()) {
          if (!c.live) continue;
          // Nothing waits for a timer flush: its failure is noted (the capture forgotten) here.
          serially(c, async () => {
            c.table.flushActive();
            await flushOut(c);
          }).catch(() => {});
        }
      }, config.liveFlushMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await sub?.close();
      sub = null;
    },
  };
}
