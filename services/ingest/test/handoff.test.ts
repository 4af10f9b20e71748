// A transport that fails mid-capture (a broker away): the job fails with HandoffError, is taken
// again, and the capture is read again from the start; it is never marked broken for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { samplePcap } from '@capstream/core/testing';
import {
  type CaptureEvent,
  type CaptureJob,
  MemoryTransport,
  type Message,
  type Segment,
  TOPICS,
} from '@capstream/pipeline';
import { createIngestStage, HandoffError } from '../src/index.ts';
import { bytesSource } from '../src/testing.ts';

/** Refuses the `failAt`-th send of segments, once. */
class FlakyTransport extends MemoryTransport {
  private segmentSends = 0;
  constructor(private readonly failAt: number) {
    super({ retryMs: 10 });
  }
  override async send<T>(topic: string, messages: Message<T>[]): Promise<void> {
    if (topic === TOPICS.segments && ++this.segmentSends === this.failAt) {
      throw new Error('Connection error: connect ECONNREFUSED');
    }
    return super.send(topic, messages);
  }
}

describe('ingest when the transport fails mid-capture', () => {
  it('fails the job with HandoffError; the job comes again and the capture is read whole', async () => {
    const bytes = samplePcap();
    const transport = new FlakyTransport(2);
    const errors: unknown[] = [];
    transport.options.onHandlerError = (e) => errors.push(e);
    // Small segments, so the capture takes several sends and the second one fails.
    const stage = createIngestStage(
      { segmentBytes: 4096 },
      { transport, openSource: async () => bytesSource(bytes, 1500) },
    );
    const segments = new Map<number, Segment>();
    const events: CaptureEvent[] = [];
    await transport.subscribe<Segment>(TOPICS.segments, 'test-parser', async (batch, ctx) => {
      for (const d of batch) segments.set(d.value.seq, d.value);
      await ctx.commit(batch[0].partition, batch.at(-1)!.offset);
    });
    await transport.subscribe<CaptureEvent>(TOPICS.events, 'test-events', async (batch, ctx) => {
      for (const d of batch) events.push(d.value);
      await ctx.commit(batch[0].partition, batch.at(-1)!.offset);
    });
    await stage.start();
    const job: CaptureJob = {
      captureId: 'c1',
      datasetId: 'default',
      name: 'c1',
      source: { kind: 'file', path: '/unused' },
      submittedAt: new Date().toISOString(),
    };
    await transport.send<CaptureJob>(TOPICS.jobs, [{ key: job.captureId, value: job }]);
    for (const t0 = Date.now(); ![...segments.values()].some((s) => s.last); ) {
      assert.ok(Date.now() - t0 < 10_000, 'the capture was read to its end');
      await new Promise((r) => setTimeout(r, 10));
    }
    await stage.stop();
    await transport.close();

    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof HandoffError);
    assert.equal((errors[0] as HandoffError).code, 'HANDOFF');
    const last = [...segments.values()].find((s) => s.last)!;
    assert.equal(last.error, undefined, 'not marked broken');
    // Every segment up to the last, and together they hold every byte of the capture's records.
    const seqs = [...segments.keys()].sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: last.seq + 1 }, (_, i) => i),
    );
    assert.ok(seqs.length > 3, `${seqs.length} segments`);
    const header = segments.get(0)!.header.length;
    const recordBytes = seqs.reduce((n, s) => n + segments.get(s)!.records.length, 0);
    assert.equal(header + recordBytes, bytes.length);
    assert.ok(!events.some((e) => e.status === 'FAILED'), JSON.stringify(events));
    assert.equal(events.filter((e) => e.status === 'RUNNING').length, 2, 'read twice');
  });
});
