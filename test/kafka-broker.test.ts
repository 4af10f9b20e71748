// End to end against a real Kafka broker (KRaft, loopback) started by @capstream/kafka-testing:
// topic creation, keyed produce, consumer-group consume in per-key order, then a broker restart
// that must keep the topic and the group's committed offsets. Fails (never skips) when Java,
// Maven or the broker are missing. KAFKA_BROKERS=host:port runs it against an existing cluster
// (the restart part is then skipped: that cluster is not ours to restart).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';

const suffix = randomBytes(4).toString('hex');
const topic = `capstream-broker-test-${suffix}`;
const groupId = `capstream-broker-test-group-${suffix}`;
const KEYS = 10;
const COUNT = 100;

let broker: KafkaBroker;
let kafka: Kafka;

function client(): Kafka {
  return new Kafka({ clientId: 'kafka-broker-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
}

async function consumeUntil(consumer: Consumer, want: number, timeoutMs: number) {
  const got: { key: string; value: string; partition: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`consumed ${got.length} of ${want} messages in ${timeoutMs} ms`)),
      timeoutMs,
    );
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          got.push({ key: String(message.key), value: String(message.value), partition });
          if (got.length >= want) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  return got;
}

async function committed(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

before(async () => {
  broker = await startKafka();
  kafka = client();
});

after(async () => {
  await broker?.stop();
});

test('kafka broker: produce, group consume, restart keeps topic and offsets', {
  timeout: 120_000,
}, async (t) => {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  assert.equal(created, true);
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(meta.topics[0].partitions.length, 3);
  await admin.disconnect();

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = Array.from({ length: COUNT }, (_, i) => ({
    key: `key-${i % KEYS}`,
    value: `key-${i % KEYS}:${Math.floor(i / KEYS)}`,
  }));
  // A few sends rather than one, so that each key's messages span several batches.
  for (let i = 0; i < COUNT; i += 25) await producer.send({ topic, messages: messages.slice(i, i + 25) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = await consumeUntil(consumer, COUNT, 30_000);
  assert.equal(got.length, COUNT);
  const partitionOf = new Map<string, number>();
  const seen = new Map<string, number[]>();
  for (const m of got) {
    const p = partitionOf.get(m.key);
    if (p === undefined) partitionOf.set(m.key, m.partition);
    else assert.equal(m.partition, p, `${m.key} went to more than one partition`);
    const [key, seq] = m.value.split(':');
    assert.equal(key, m.key);
    seen.set(key, [...(seen.get(key) ?? []), Number(seq)]);
  }
  assert.equal(seen.size, KEYS);
  for (const [key, seqs] of seen) {
    assert.deepEqual(
      seqs,
      Array.from({ length: COUNT / KEYS }, (_, i) => i),
      `${key} out of order`,
    );
  }
  await consumer.disconnect(); // commits what it consumed
  assert.equal(await committed(), COUNT, 'committed offsets before restart');

  if (broker.external) {
    t.diagnostic('KAFKA_BROKERS is set: restart part not run against an external cluster');
    return;
  }

  await broker.stop();
  await broker.restart();
  kafka = client();

  const admin2 = kafka.admin();
  await admin2.connect();
  assert.ok((await admin2.listTopics()).includes(topic), 'topic survived the restart');
  const offsets = await admin2.fetchTopicOffsets(topic);
  assert.equal(
    offsets.reduce((sum, p) => sum + Number(p.high), 0),
    COUNT,
    'messages survived the restart',
  );
  await admin2.disconnect();
  assert.equal(await committed(), COUNT, 'committed offsets survived the restart');

  // The group resumes from its committed offsets: only the new message comes back.
  const producer2 = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer2.connect();
  await producer2.send({ topic, messages: [{ key: 'key-0', value: 'key-0:after-restart' }] });
  await producer2.disconnect();
  const consumer2 = kafka.consumer({ groupId });
  await consumer2.connect();
  await consumer2.subscribe({ topic, fromBeginning: true });
  const again = await consumeUntil(consumer2, 1, 30_000);
  await new Promise((r) => setTimeout(r, 500)); // would catch re-delivered old messages
  await consumer2.disconnect();
  assert.deepEqual(
    again.map((m) => m.value),
    ['key-0:after-restart'],
  );
});
