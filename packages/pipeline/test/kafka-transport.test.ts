// The Kafka transport against a real broker (KRaft, loopback) from @capstream/kafka-testing: the
// transport contract, then what only Kafka does (dead-lettering undecodable messages). Fails,
// never skips, when the broker cannot start. KAFKA_BROKERS=host:port uses an existing cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { CodecError, type DeadLetter, jsonCodec } from '../src/codec.ts';
import { KafkaTransport, type KafkaTransportOptions } from '../src/kafka-transport.ts';
import { ensureTopics, pipelineTopicSpecs } from '../src/topics-admin.ts';
import { transportContract } from './transport-contract.ts';

let broker: KafkaBroker;
let admin: Admin;
const transports = new Set<KafkaTransport>();

before(async () => {
  broker = await startKafka();
  admin = new Kafka({
    clientId: 'kafka-transport-test',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
});

after(async () => {
  await Promise.allSettled([...transports].map((t) => t.close()));
  await admin?.disconnect().catch(() => {});
  await broker?.stop();
});

const testCodec = jsonCodec<unknown>('test');

function transport(options: Partial<KafkaTransportOptions> = {}): KafkaTransport {
  const t = new KafkaTransport({
    brokers: broker.brokers,
    clientId: 'kafka-transport-test',
    codecFor: () => testCodec,
    maxBatch: 4,
    retryMs: 50,
    consumer: { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 3000, maxWaitTimeInMs: 100 },
    ...options,
  });
  transports.add(t);
  return t;
}

async function createTopics(topics: { name: string; partitions: number }[]): Promise<void> {
  const report = await ensureTopics(
    admin,
    topics.map((t) => ({ topic: t.name, partitions: t.partitions, retentionMs: 3_600_000 })),
  );
  assert.deepEqual(report.created.sort(), topics.map((t) => t.name).sort());
}

transportContract(
  'kafka',
  async ({ topics }) => {
    await createTopics(topics);
    const t = transport();
    return {
      transport: t,
      cleanup: async () => {
        await t.close();
        transports.delete(t);
      },
    };
  },
  { timeoutMs: 20_000, settleMs: 500 },
);

describe('kafka transport', () => {
  it('ensureTopics creates the pipeline topics once, then leaves them alone and reports short ones', async () => {
    const suffix = randomBytes(4).toString('hex');
    const names = {
      jobs: `t-${suffix}.jobs.v1`,
      segments: `t-${suffix}.segments.v1`,
      flows: `t-${suffix}.flows.v1`,
      dns: `t-${suffix}.dns.v2`,
      events: `t-${suffix}.events.v1`,
      deadLetter: `t-${suffix}.dead-letter.v1`,
    };
    const spec = pipelineTopicSpecs(names);
    const first = await ensureTopics(admin, spec);
    assert.equal(first.created.length, 6);
    const meta = await admin.fetchTopicMetadata({ topics: [names.segments, names.deadLetter] });
    assert.deepEqual(
      meta.topics.map((t) => [t.name, t.partitions.length]).sort(),
      [
        [names.deadLetter, 1],
        [names.segments, 12],
      ].sort(),
    );
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: names.segments, configNames: ['retention.ms'] }],
    });
    assert.equal(configs.resources[0].configEntries[0].configValue, String(24 * 3_600_000));
    const again = await ensureTopics(
      admin,
      spec.map((s) => (s.topic === names.events ? { ...s, partitions: 6 } : s)),
    );
    assert.deepEqual(again.created, []);
    assert.equal(again.existing.length, 6);
    assert.deepEqual(again.underPartitioned, [{ topic: names.events, have: 3, want: 6 }]);
  });

  it('after a handler error, seeks back to the last commit: earlier uncommitted batches come again (and the metrics say so)', async () => {
    const suffix = randomBytes(4).toString('hex');
    const topic = `reseek-${suffix}`;
    await createTopics([{ name: topic, partitions: 1 }]);
    const errors: unknown[] = [];
    const registry = new Registry();
    const t = transport({ onHandlerError: (e) => errors.push(e), registry });
    await t.send(
      topic,
      Array.from({ length: 8 }, (_, i) => ({ key: 'k', value: i })),
    );
    const seen: number[] = [];
    let failed = false;
    const sub = await t.subscribe<number>(topic, `reseek-g-${suffix}`, async (batch, ctx) => {
      if (!failed && batch.some((d) => d.value === 4)) {
        failed = true;
        throw new Error('boom');
      }
      for (const d of batch) seen.push(d.value);
      // Commits only from 4 on: 0..3 were handled but never committed.
      if (batch[0].value >= 4) await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    });
    const t0 = Date.now();
    while (!seen.includes(7) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    assert.equal(errors.length, 1);
    assert.deepEqual(seen, [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7]);
    const text = await registry.metrics();
    const group = `reseek-g-${suffix}`;
    const metric = (line: string) => assert.ok(text.includes(line), `${line}\nin\n${text}`);
    metric(`capstream_kafka_produced_messages_total{topic="${topic}"} 8`);
    metric(`capstream_kafka_consumed_messages_total{topic="${topic}",group="${group}"} 12`);
    metric(`capstream_kafka_handler_errors_total{topic="${topic}",group="${group}"} 1`);
    metric(`capstream_kafka_consumer_lag{topic="${topic}",group="${group}",partition="0"} 0`);
  });

  it('a send of more than the broker takes in one batch (1 MiB) to one key arrives whole and in order', async () => {
    const suffix = randomBytes(4).toString('hex');
    const topic = `big-${suffix}`;
    await createTopics([{ name: topic, partitions: 2 }]);
    const t = transport();
    // 3 MiB under one key: one record batch would be refused with MESSAGE_TOO_LARGE.
    const values = Array.from({ length: 48 }, (_, i) => `${i}:${randomBytes(48 * 1024).toString('base64')}`);
    await t.send(
      topic,
      values.map((value) => ({ key: 'one-capture', value })),
    );
    const seen: string[] = [];
    const sub = await t.subscribe<string>(topic, `big-g-${suffix}`, async (batch, ctx) => {
      for (const d of batch) seen.push(d.value);
      await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    });
    const t0 = Date.now();
    while (seen.length < values.length && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    assert.deepEqual(seen, values);
  });

  it('sends an undecodable message to the dead-letter topic and goes on with the partition', async () => {
    const suffix = randomBytes(4).toString('hex');
    const topic = `poison-${suffix}`;
    const deadLetterTopic = `poison-dlq-${suffix}`;
    const group = `poison-g-${suffix}`;
    await createTopics([
      { name: topic, partitions: 1 },
      { name: deadLetterTopic, partitions: 1 },
    ]);
    const t = transport({ deadLetterTopic });
    await t.send(topic, [{ key: 'k', value: 0 }]);
    const bad = testCodec.encode(1);
    bad[0] = 9; // a version this build does not read
    await t.sendRaw(topic, [
      { key: 'k', value: bad },
      { key: 'k', value: Buffer.from('\x01not json {', 'latin1') }, // right version, bad body
    ]);
    await t.send(topic, [{ key: 'k', value: 3 }]);

    const seen: number[] = [];
    const sub = await t.subscribe<number>(topic, group, async (batch, ctx) => {
      for (const d of batch) seen.push(d.value);
      await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    });
    const dead: DeadLetter[] = [];
    const dlqGroup = `poison-dlq-g-${suffix}`;
    const dlq = await t.subscribe<DeadLetter>(deadLetterTopic, dlqGroup, async (batch) => {
      for (const d of batch) dead.push(d.value);
    });
    const t0 = Date.now();
    while ((seen.length < 2 || dead.length < 2) && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    await dlq.close();
    assert.deepEqual(seen, [0, 3]);
    assert.equal(dead.length, 2);
    assert.deepEqual(
      dead.map((d) => [d.topic, d.partition, d.offset, d.code, d.group, d.key]),
      [
        [topic, 0, 1, 'UNKNOWN_VERSION', group, 'k'],
        [topic, 0, 2, 'MALFORMED', group, 'k'],
      ],
    );
    assert.match(dead[0].reason, /unknown version 9 on test/);
    assert.deepEqual(Buffer.from(dead[0].value, 'base64'), bad);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.equal(committed.partitions[0].offset, '4', 'committed past the poison');
    assert.ok(new CodecError('MALFORMED', 'x', 'y') instanceof Error);
  });
});
