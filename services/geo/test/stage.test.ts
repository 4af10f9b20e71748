import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConsumerContext,
  type DeadLetter,
  type Delivery,
  type FlowMessage,
  type Handler,
  MemoryTransport,
  type MemoryTransportOptions,
  type Message,
  type Subscription,
  TOPICS,
  type Transport,
} from '@capstream/pipeline';
import { Registry } from 'prom-client';
import { DEFAULT_GEO_CONFIG, type GeoConfig } from '../src/config.ts';
import { enrichFlow } from '../src/enrich.ts';
import { createGeoStage, dedupToken, GEO_GROUP } from '../src/index.ts';
import { FakeFlowWriter, type FakeFlowWriterOptions, fakeGeoDatabase, flowMessage } from '../src/testing.ts';

const until = async (cond: () => boolean, what: string, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/**
 * The in-process transport, watched: every delivery is recorded, and every commit is checked
 * against what the writer has stored (a commit must never pass a flow not yet written).
 */
class WatchedTransport implements Transport {
  readonly inner: MemoryTransport;
  readonly delivered: Delivery<FlowMessage>[] = [];
  readonly commits: { partition: number; offset: number }[] = [];
  readonly violations: string[] = [];

  constructor(
    options: Partial<MemoryTransportOptions>,
    private readonly writer: FakeFlowWriter,
  ) {
    this.inner = new MemoryTransport(options);
  }

  send<T>(topic: string, messages: Message<T>[]): Promise<void> {
    return this.inner.send(topic, messages);
  }

  subscribe<T>(topic: string, group: string, handler: Handler<T>): Promise<Subscription> {
    return this.inner.subscribe<T>(topic, group, async (batch, ctx) => {
      this.delivered.push(...(batch as unknown as Delivery<FlowMessage>[]));
      const watched: ConsumerContext = {
        commit: async (partition, offset) => {
          const stored = new Set(this.writer.rows.map((r) => r.flow_id));
          for (const d of this.delivered) {
            // (A message that is no flow goes to the dead-letter topic, not to the writer.)
            if (d.value === null) continue;
            if (d.partition === partition && d.offset <= offset && !stored.has(d.value.flow_id)) {
              this.violations.push(`commit ${partition}@${offset} before offset ${d.offset} was written`);
            }
          }
          this.commits.push({ partition, offset });
          await ctx.commit(partition, offset);
        },
      };
      await handler(batch, watched);
    });
  }

  lag(): number {
    return this.inner.lag(TOPICS.flows, GEO_GROUP);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const DB_ANSWERS = {
  '8.8.8.8': {
    country: 'US',
    city: 'Mountain View',
    lat: 37.422,
    lon: -122.085,
    asn: 15169,
    asOrg: 'Google LLC',
  },
};

function setup(
  transportOptions: Partial<MemoryTransportOptions>,
  config: Partial<GeoConfig>,
  writerOptions: FakeFlowWriterOptions = {},
) {
  const writer = new FakeFlowWriter(writerOptions);
  const transport = new WatchedTransport(transportOptions, writer);
  const registry = new Registry();
  const db = fakeGeoDatabase(DB_ANSWERS);
  const stage = createGeoStage(
    { ...DEFAULT_GEO_CONFIG, retryMs: 5, maxRetryMs: 20, ...config },
    { transport, flows: writer, db, registry },
  );
  return { writer, transport, registry, db, stage };
}

async function sendFlows(transport: Transport, n: number, first = 0): Promise<FlowMessage[]> {
  const flows = Array.from({ length: n }, (_, i) => flowMessage({ flow_id: `f${first + i}` }));
  await transport.send(
    TOPICS.flows,
    flows.map((f) => ({ key: f.flow_id, value: f })),
  );
  return flows;
}

function tokenRange(token: string): { partition: number; first: number; last: number } {
  const m = /^geo\/capstream\.flows\.v3\/(\d+)\/(\d+)-(\d+)#[0-9a-f]+-\d+$/.exec(token);
  assert.ok(m, token);
  return { partition: Number(m[1]), first: Number(m[2]), last: Number(m[3]) };
}

/** The offsets each write took, as [first, last], for a stage on one partition. */
function writtenRanges(writer: FakeFlowWriter): [number, number][] {
  return writer.calls.map((c) => {
    const r = tokenRange(c.dedupToken);
    assert.equal(r.partition, 0);
    return [r.first, r.last];
  });
}

describe('enrichFlow', () => {
  it('adds scope, place and AS to both ends and keeps the flow', () => {
    const flow = flowMessage({ src_ip: '10.1.2.3', dst_ip: '8.8.8.8' });
    const row = enrichFlow(flow, fakeGeoDatabase(DB_ANSWERS));
    assert.deepEqual(row, {
      ...flow,
      src_scope: 'private',
      dst_scope: 'public',
      src_country: null,
      dst_country: 'US',
      src_city: null,
      dst_city: 'Mountain View',
      src_lat: null,
      src_lon: null,
      dst_lat: 37.422,
      dst_lon: -122.085,
      src_asn: null,
      dst_asn: 15169,
      src_as_org: null,
      dst_as_org: 'Google LLC',
    });
  });
});

describe('the geo stage on the in-process transport', () => {
  it('writes every flow once, in batches cut at fixed offsets, and commits only what is written', async () => {
    const { writer, transport, registry, stage } = setup(
      { partitions: 3, maxBatch: 7, maxBacklog: 32 },
      { batchSize: 10, flushIntervalMs: 20 },
    );
    await stage.start();
    await sendFlows(transport, 200);
    await until(() => transport.lag() === 0, 'everything committed');
    await stage.stop();

    assert.deepEqual(transport.violations, []);
    assert.equal(writer.rows.length, 200);
    assert.equal(new Set(writer.rows.map((r) => r.flow_id)).size, 200);
    for (const r of writer.rows) {
      assert.equal(r.src_scope, 'private');
      assert.equal(r.dst_country, 'US');
      assert.equal(r.dst_asn, 15169);
    }
    for (const call of writer.calls) {
      assert.ok(call.rows.length <= 10);
      const { first, last } = tokenRange(call.dedupToken);
      // A batch never crosses a multiple of batchSize; a full one spans exactly one bucket.
      assert.equal(Math.floor(first / 10), Math.floor(last / 10), call.dedupToken);
      if (call.rows.length === 10) assert.equal(first % 10, 0, call.dedupToken);
    }
    assert.ok(transport.commits.length > 0);

    const text = await registry.metrics();
    assert.match(text, /^capstream_geo_flows_enriched_total 200$/m);
    assert.match(text, /^capstream_geo_lookups_total\{scope="private"\} 200$/m);
    assert.match(text, /^capstream_geo_lookups_total\{scope="public"\} 200$/m);
    assert.match(text, /^capstream_geo_write_errors_total 0$/m);
    assert.match(text, /^capstream_geo_batch_size_count \d+$/m);
    assert.match(text, /^capstream_geo_cache_hit_ratio /m);
  });

  it('tries a failed write again and loses nothing', async () => {
    const { writer, transport, registry, stage } = setup(
      { partitions: 1, maxBatch: 5 },
      { batchSize: 8, flushIntervalMs: 10 },
      { fail: (call) => (call === 1 ? 'before' : null) },
    );
    await stage.start();
    await sendFlows(transport, 40);
    await until(() => transport.lag() === 0, 'everything committed');
    await stage.stop();

    assert.deepEqual(transport.violations, []);
    assert.equal(writer.calls[0].stored, false);
    assert.equal(writer.calls[1].dedupToken, writer.calls[0].dedupToken, 'the same batch, the same token');
    assert.equal(new Set(writer.rows.map((r) => r.flow_id)).size, 40);
    assert.equal(writer.rows.length, 40);
    assert.match(await registry.metrics(), /^capstream_geo_write_errors_total 1$/m);
  });

  it('a write that landed but reported failure is not stored twice', async () => {
    const { writer, transport, stage } = setup(
      { partitions: 1, maxBatch: 4 },
      { batchSize: 5, flushIntervalMs: 10 },
      { fail: (call) => (call === 2 ? 'after' : null) },
    );
    await stage.start();
    await sendFlows(transport, 20);
    await until(() => transport.lag() === 0, 'everything committed');
    await stage.stop();

    assert.equal(writer.calls[1].stored, true);
    assert.equal(writer.calls[2].dedupToken, writer.calls[1].dedupToken);
    assert.equal(writer.calls[2].stored, false, 'dropped by its dedup token');
    assert.equal(writer.rows.length, 20);
  });

  it('after a stop between write and commit, the batch comes again under the same token', async () => {
    let phase = 1;
    let stopped: Promise<void> | null = null;
    const { writer, transport, stage } = setup(
      { partitions: 1, maxBatch: 7 },
      { batchSize: 20, flushIntervalMs: 60_000 },
      {
        delayMs: 5,
        // Phase 1: the second batch (offsets 20-39) lands but is never acknowledged, and the
        // stage is stopped meanwhile, as a crash would.
        fail: (call, rows) => {
          if (phase !== 1 || call < 2) return null;
          if (stopped === null) stopped = stage.stop();
          return rows.length > 0 ? 'after' : null;
        },
      },
    );
    await stage.start();
    await sendFlows(transport, 60);
    await until(() => stopped !== null, 'the second write');
    await stopped;
    assert.deepEqual(
      writer.calls.map((c) => [c.dedupToken.split('#')[0], c.stored]),
      [
        [dedupToken(TOPICS.flows, 0, 0, 19).split('#')[0], true],
        [dedupToken(TOPICS.flows, 0, 20, 39).split('#')[0], true],
        [dedupToken(TOPICS.flows, 0, 20, 39).split('#')[0], false], // stop's one try
      ],
    );
    assert.equal(transport.lag(), 40, 'offsets 20-59 uncommitted');

    phase = 2;
    const again = createGeoStage(
      { ...DEFAULT_GEO_CONFIG, batchSize: 20, flushIntervalMs: 60_000 },
      { transport, flows: writer, db: fakeGeoDatabase(DB_ANSWERS) },
    );
    await again.start();
    await until(() => transport.lag() === 0, 'everything committed');
    await again.stop();

    assert.deepEqual(transport.violations, []);
    const redelivered = writer.calls.slice(3);
    assert.deepEqual(
      redelivered.map((c) => [c.dedupToken.split('#')[0], c.stored]),
      [
        [dedupToken(TOPICS.flows, 0, 20, 39).split('#')[0], false],
        [dedupToken(TOPICS.flows, 0, 40, 59).split('#')[0], true],
      ],
    );
    assert.equal(writer.rows.length, 60);
    assert.equal(new Set(writer.rows.map((r) => r.flow_id)).size, 60);
  });

  it('holds back delivery while a write is running (backpressure)', async () => {
    let worstAhead = 0;
    const { writer, transport, stage } = setup(
      { partitions: 1, maxBatch: 5, maxBacklog: 10 },
      { batchSize: 10, flushIntervalMs: 10 },
      {
        delayMs: 15,
        fail: () => {
          worstAhead = Math.max(worstAhead, transport.delivered.length - writer.rows.length);
          return null;
        },
      },
    );
    await stage.start();
    await sendFlows(transport, 100);
    await until(() => transport.lag() === 0, 'everything committed');
    await stage.stop();

    assert.equal(writer.maxConcurrent, 1, 'one write at a time per partition');
    // Never more taken than the batch being written plus one delivery.
    assert.ok(worstAhead <= 10 + 5, `delivered ahead of writes: ${worstAhead}`);
    assert.equal(writer.rows.length, 100);
  });

  it('writes a partial batch once the flush interval has passed', async () => {
    const { writer, transport, stage } = setup({ partitions: 1 }, { batchSize: 1000, flushIntervalMs: 30 });
    await stage.start();
    const t0 = Date.now();
    await sendFlows(transport, 5);
    await until(() => transport.lag() === 0, 'the partial batch');
    assert.ok(Date.now() - t0 >= 25, 'waited for more flows first');
    await stage.stop();
    assert.deepEqual(
      writer.calls.map((c) => c.dedupToken.split('#')[0]),
      [dedupToken(TOPICS.flows, 0, 0, 4).split('#')[0]],
    );
  });

  it("writes up to a capture's last flow at once, without waiting for the quiet time", async () => {
    const { writer, transport, stage } = setup(
      { partitions: 1 },
      { batchSize: 1000, flushIntervalMs: 60_000 },
    );
    await stage.start();
    const flows = Array.from({ length: 7 }, (_, i) =>
      flowMessage({ flow_id: `f${i}`, ...(i === 4 ? { capture_end: true } : {}) }),
    );
    await transport.send(
      TOPICS.flows,
      flows.map((f) => ({ key: 'one-key', value: f })),
    );
    await until(() => writer.calls.length === 1, 'the capture tail written', 2000);
    // Only up to the marked flow: the two after it wait for their own capture's end or the quiet time.
    assert.deepEqual(
      writer.calls.map((c) => c.dedupToken.split('#')[0]),
      [dedupToken(TOPICS.flows, 0, 0, 4).split('#')[0]],
    );
    assert.equal(transport.lag(), 2);
    await stage.stop();
    assert.equal(writer.rows.length, 7);
  });

  it('a partial flush writes what is pending then; flows arriving meanwhile wait for the next one', async () => {
    // Writes take 100 ms; flows keep coming every 5 ms for a second, so only maxDelayMs cuts batches.
    const { writer, transport, stage } = setup(
      { partitions: 1 },
      { batchSize: 100_000, flushIntervalMs: 30, maxDelayMs: 250 },
      { delayMs: 100 },
    );
    await stage.start();
    for (let i = 0; i < 200; i++) {
      await sendFlows(transport, 1, i);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => transport.lag() === 0, 'every flow written');
    await stage.stop();
    assert.equal(writer.rows.length, 200);
    // About one write per maxDelayMs + write time (~350 ms) over ~1.2 s, and one for the rest; back
    // to back writes of whatever came during the previous one would make ~10.
    assert.ok(writer.calls.length <= 6, `${writer.calls.length} writes`);
  });

  it('a write slower than the quiet time does not split the batches of a steady stream', async () => {
    // Flows every 5 ms; each write takes 100 ms, more than the 30 ms quiet time. The flows that
    // arrive during a write wait for it, but they are arrivals all the same: no quiet-time flush.
    const { writer, transport, stage } = setup(
      { partitions: 1 },
      { batchSize: 20, flushIntervalMs: 30, maxDelayMs: 60_000 },
      { delayMs: 100 },
    );
    await stage.start();
    for (let i = 0; i < 100; i++) {
      await sendFlows(transport, 1, i);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => transport.lag() === 0, 'every flow written');
    await stage.stop();
    assert.equal(writer.rows.length, 100);
    assert.deepEqual(
      writer.calls.map((c) => tokenRange(c.dedupToken)),
      [0, 20, 40, 60, 80].map((first) => ({ partition: 0, first, last: first + 19 })),
    );
  });

  it("flows held back by its own backpressure are no quiet time: a capture's tail is not split", async () => {
    // 10 flows (the quiet-time timer is armed), then at once 43 more, the last its capture's end,
    // delivered 4 at a time. At 40 pending (two batches) the handler holds the rest back until
    // [0, 19] and [20, 39] are written, 200 ms, longer than the 30 ms quiet time. A quiet-time
    // flush during that wait would write 40-43 alone and 44-52 after them.
    const { writer, transport, stage } = setup(
      { partitions: 1, maxBatch: 4 },
      { batchSize: 20, flushIntervalMs: 30, maxDelayMs: 60_000 },
      { delayMs: 100 },
    );
    await stage.start();
    const flows = Array.from({ length: 53 }, (_, i) =>
      flowMessage({ flow_id: `f${i}`, ...(i === 52 ? { capture_end: true } : {}) }),
    );
    const send = (from: number, to: number) =>
      transport.send(
        TOPICS.flows,
        flows.slice(from, to).map((f) => ({ key: 'one-key', value: f })),
      );
    await send(0, 10);
    await new Promise((r) => setImmediate(r)); // delivered, and the timer armed
    await send(10, 53);
    await until(() => transport.lag() === 0, 'every flow written');
    await stage.stop();
    assert.equal(writer.rows.length, 53);
    assert.deepEqual(writtenRanges(writer), [
      [0, 19],
      [20, 39],
      [40, 52],
    ]);
  });

  it('flows still pending when it stops holding the stream back go out after the quiet time', async () => {
    // 42 flows, 6 at a time: the last delivery takes pending to 42 and waits for two writes; the
    // stream ends there, so nothing arrives after the wait to arm the flush of flows 40-41.
    const { writer, transport, stage } = setup(
      { partitions: 1, maxBatch: 6 },
      { batchSize: 20, flushIntervalMs: 30, maxDelayMs: 60_000 },
      { delayMs: 100 },
    );
    await stage.start();
    await sendFlows(transport, 10);
    await new Promise((r) => setImmediate(r));
    await sendFlows(transport, 32, 10);
    await until(() => writer.rows.length === 42, 'the flows past the last complete batch', 3000);
    assert.deepEqual(writtenRanges(writer), [
      [0, 19],
      [20, 39],
      [40, 41],
    ]);
    await stage.stop();
  });

  it('stop() waits for the batch being written and commits it', async () => {
    let writing = false;
    const { writer, transport, stage } = setup(
      { partitions: 1 },
      { batchSize: 10, flushIntervalMs: 60_000 },
      {
        delayMs: 100,
        fail: () => {
          writing = true;
          return null;
        },
      },
    );
    await stage.start();
    await sendFlows(transport, 10);
    await until(() => writing, 'the write to start');
    await stage.stop();
    assert.equal(writer.rows.length, 10);
    assert.equal(transport.lag(), 0);
  });

  it('sets a message that is no flow aside on the dead-letter topic and writes the rest', async () => {
    const { writer, transport, registry, stage } = setup(
      { partitions: 1 },
      { batchSize: 3, flushIntervalMs: 10 },
    );
    const dead: DeadLetter[] = [];
    const sub = await transport.inner.subscribe<DeadLetter>(TOPICS.deadLetter, 'test', async (batch, ctx) => {
      for (const d of batch) dead.push(d.value);
      await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    });
    await stage.start();
    await transport.send(TOPICS.flows, [
      { key: 'a', value: flowMessage({ flow_id: 'a' }) },
      { key: 'b', value: null },
      { key: 'c', value: flowMessage({ flow_id: 'c' }) },
    ]);
    await until(() => transport.lag() === 0 && dead.length === 1, 'the batch and the dead letter');
    await stage.stop();
    await sub.close();
    assert.deepEqual(
      writer.rows.map((r) => r.flow_id),
      ['a', 'c'],
    );
    assert.equal(dead[0].group, GEO_GROUP);
    assert.equal(dead[0].code, 'NOT_A_FLOW');
    assert.equal(dead[0].key, 'b');
    assert.equal(dead[0].offset, 1);
    assert.equal(Buffer.from(dead[0].value, 'base64').toString(), 'null');
    assert.match(await registry.metrics(), /^capstream_geo_dead_letters_total 1$/m);
  });

  it('opens the packaged databases when given none', async () => {
    const writer = new FakeFlowWriter();
    const transport = new WatchedTransport({ partitions: 2 }, writer);
    const stage = createGeoStage({ batchSize: 100, flushIntervalMs: 10 }, { transport, flows: writer });
    await stage.start();
    await transport.send(TOPICS.flows, [
      { key: 'a', value: flowMessage({ flow_id: 'a', src_ip: '192.168.1.10', dst_ip: '8.8.8.8' }) },
      {
        key: 'b',
        value: flowMessage({ flow_id: 'b', src_ip: '2001:db8::1', dst_ip: '2606:4700:4700::1111' }),
      },
    ]);
    await until(() => transport.lag() === 0, 'both flows');
    await stage.stop();
    const byId = new Map(writer.rows.map((r) => [r.flow_id, r]));
    const a = byId.get('a')!;
    assert.deepEqual(
      [a.src_scope, a.src_country, a.dst_scope, a.dst_country, a.dst_city, a.dst_asn, a.dst_as_org],
      ['private', null, 'public', 'US', 'Mountain View', 15169, 'Google LLC'],
    );
    const b = byId.get('b')!;
    assert.deepEqual(
      [b.src_scope, b.src_country, b.src_asn, b.dst_country, b.dst_asn],
      ['documentation', null, null, 'US', 13335],
    );
    assert.ok(stage.db?.attribution.includes('IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0'));
  });

  it('stop() writes what it holds (a partial batch) before closing', async () => {
    const { writer, transport, stage } = setup(
      { partitions: 2 },
      { batchSize: 100, flushIntervalMs: 60_000 },
    );
    await stage.start();
    await sendFlows(transport, 30);
    await until(() => transport.delivered.length === 30, 'delivery');
    assert.equal(writer.calls.length, 0);
    await stage.stop();
    assert.equal(writer.rows.length, 30);
    assert.equal(transport.lag(), 0);
    assert.deepEqual(transport.violations, []);
  });
});
