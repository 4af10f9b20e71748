import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { CaptureArchive, createIngestStage } from '@capstream/ingest';
import { bytesSource } from '@capstream/ingest/testing';
import { createParserStage } from '@capstream/parser';
import { type CaptureEvent, MemoryTransport, type Message, TOPICS } from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { collectFlows, job, offlineFlows, recordOf, waitFor } from './support/pipeline.ts';

const opened = bytesSource;

describe('ingest and parser over the in-process transport', () => {
  it('produce exactly the offline flows, for several captures at once, in small segments', async () => {
    const transport = new MemoryTransport({ partitions: 3 });
    const events: CaptureEvent[] = [];
    const evSub = await transport.subscribe<CaptureEvent>(TOPICS.events, 'test-events', async (b, ctx) => {
      events.push(...b.map((d) => d.value));
      await ctx.commit(b[0].partition, b[b.length - 1].offset);
    });
    const collector = await collectFlows(transport);
    const parser = createParserStage({}, { transport });
    await parser.start();
    const ingest = createIngestStage(
      { segmentBytes: 8192 },
      {
        transport,
        openSource: async () => {
          throw new Error('unused');
        },
      },
    );
    const captures = {
      a: samplePcap(),
      b: samplePcapng(),
      c: gzipSync(samplePcap({ byteOrder: 'be', resolution: 'ns' })),
    };
    const results = await Promise.all(
      Object.entries(captures).map(([id, bytes]) => ingest.ingest(job(id), opened(bytes))),
    );
    for (const r of results) assert.equal(r.error, null);
    await waitFor(
      () => ['a', 'b', 'c'].every((id) => events.some((e) => e.captureId === id && e.status === 'DONE')),
      20_000,
      'DONE',
    );
    await waitFor(() => transport.lag(TOPICS.flows, 'test-collector') === 0);
    for (const [id, bytes] of Object.entries(captures)) {
      const offline = await offlineFlows(bytes);
      const got = new Map(
        [...collector.latest.values()].filter((m) => m.capture_id === id).map((m) => [m.flow_id, m]),
      );
      assert.equal(got.size, offline.size, `flows of ${id}`);
      for (const [fid, rec] of offline) {
        const m = got.get(fid);
        assert.ok(m?.final, `final flow ${fid} of ${id}`);
        assert.deepEqual(recordOf(m!), rec);
      }
    }
    assert.ok(
      results.every((r) => r.segments > 3),
      'several segments per capture',
    );
    // Each capture's last flow message, and only it, says the capture ends (the geo stage writes
    // its tail at once on it).
    for (const id of Object.keys(captures)) {
      const mine = collector.order.filter((o) => o.captureId === id);
      assert.deepEqual(
        mine.map((o, i) => (o.end ? i : -1)).filter((i) => i >= 0),
        [mine.length - 1],
        `capture_end of ${id}`,
      );
    }
    await parser.stop();
    await collector.close();
    await evSub.close();
  });

  it('gives identical flows when the parser restarts in the middle and replays from the archive', async () => {
    const transport = new MemoryTransport({ partitions: 2, maxBatch: 1 });
    const archive = new CaptureArchive(mkdtempSync(join(tmpdir(), 'cs-archive-')));
    const collector = await collectFlows(transport);
    const replay = (id: string, end: number) => archive.read(id, 0, end);
    const bytes = samplePcap();
    let parser = createParserStage({}, { transport, replay });
    await parser.start();
    const ingest = createIngestStage(
      { segmentBytes: 4096 },
      { transport, archive, openSource: async () => opened(bytes, 1500) },
    );
    const reading = ingest.ingest(job('restart'));
    // Stop the parser once it has taken a few segments: its flow state is lost.
    await waitFor(() => parser.open() > 0);
    await new Promise((r) => setTimeout(r, 20));
    await parser.stop();
    const registry = new Registry();
    parser = createParserStage({}, { transport, replay, registry });
    await parser.start();
    await reading;
    const offline = await offlineFlows(bytes);
    await waitFor(() => [...offline.keys()].every((fid) => collector.latest.get(`restart/${fid}`)?.final));
    await waitFor(() => transport.lag(TOPICS.flows, 'test-collector') === 0);
    const got = [...collector.latest.values()].filter((m) => m.capture_id === 'restart');
    assert.equal(got.length, offline.size);
    for (const m of got) assert.deepEqual(recordOf(m), offline.get(m.flow_id));
    const replays = (await registry.getSingleMetric('capstream_parser_replays_total')!.get()).values[0].value;
    assert.equal(replays, 1, 'the second parser rebuilt the capture from the archive');
    await parser.stop();
    await collector.close();
  });

  // A broker away for a moment (the cluster test's restart): one of the parser's sends is refused.
  // The capture must go on once sends work again, not stay stuck on that one failure.
  for (const [what, fails] of [
    // The first flows go out around segment 200 of 277.
    ['a flows send mid-capture', (topic: string, n: number) => topic === TOPICS.flows && n === 1],
    [
      "the capture's final event",
      (topic: string, _n: number, m: Message<unknown>[]) =>
        topic === TOPICS.events &&
        (m[0].value as CaptureEvent).stage === 'parser' &&
        (m[0].value as CaptureEvent).status === 'DONE',
    ],
  ] as const) {
    it(`recovers when ${what} is refused once: the capture ends with every flow`, async () => {
      let refused = 0;
      const sends = new Map<string, number>();
      class FlakyTransport extends MemoryTransport {
        override async send<T>(topic: string, messages: Message<T>[]): Promise<void> {
          const n = (sends.get(topic) ?? 0) + 1;
          sends.set(topic, n);
          if (refused === 0 && fails(topic, n, messages as Message<unknown>[])) {
            refused++;
            throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
          }
          return super.send(topic, messages);
        }
      }
      const transport = new FlakyTransport({ partitions: 2, maxBatch: 1, retryMs: 10 });
      const errors: unknown[] = [];
      transport.options.onHandlerError = (e) => errors.push(e);
      const events: CaptureEvent[] = [];
      const evSub = await transport.subscribe<CaptureEvent>(TOPICS.events, 'test-events', async (b, ctx) => {
        events.push(...b.map((d) => d.value));
        await ctx.commit(b[0].partition, b[b.length - 1].offset);
      });
      const archive = new CaptureArchive(mkdtempSync(join(tmpdir(), 'cs-archive-')));
      const collector = await collectFlows(transport);
      const bytes = samplePcap();
      const registry = new Registry();
      const replay = (id: string, end: number) => archive.read(id, 0, end);
      const parser = createParserStage({}, { transport, replay, registry });
      await parser.start();
      try {
        const ingest = createIngestStage(
          { segmentBytes: 4096 },
          { transport, archive, openSource: async () => opened(bytes, 1500) },
        );
        assert.equal((await ingest.ingest(job('refused'))).error, null);
        await waitFor(
          () => events.some((e) => e.captureId === 'refused' && e.status === 'DONE'),
          10_000,
          'the capture DONE',
        );
        await waitFor(() => transport.lag(TOPICS.flows, 'test-collector') === 0);
        assert.equal(refused, 1);
        assert.equal(errors.length, 1, 'one failed batch, then the capture goes on');
        const offline = await offlineFlows(bytes);
        const got = [...collector.latest.values()].filter((m) => m.capture_id === 'refused');
        assert.equal(got.length, offline.size);
        for (const m of got) {
          assert.ok(m.final, `final flow ${m.flow_id}`);
          assert.deepEqual(recordOf(m), offline.get(m.flow_id));
        }
        assert.equal(parser.open(), 0);
        const replays = (await registry.getSingleMetric('capstream_parser_replays_total')!.get()).values[0]
          .value;
        assert.equal(replays, 1, 'the capture was rebuilt from the archive when its segment came again');
      } finally {
        await parser.stop();
        await collector.close();
        await evSub.close();
      }
    });
  }
});
