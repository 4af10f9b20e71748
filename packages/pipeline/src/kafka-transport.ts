/**
 * The Transport over Apache Kafka (kafkajs). The same contract as MemoryTransport:
 *
 * - A key's partition is `partitionFor(key, partitions)` (custom partitioner), so a key lands on
 *   the same partition number on both transports.
 * - Idempotent producer, acks from all in-sync replicas; `send` resolves once the broker has them.
 * - One consumer per subscription, no auto-commit: `ctx.commit(p, offset)` commits `offset + 1`.
 *   A new subscription of the group resumes after the last commit.
 * - A handler that throws: the partition is sought back to the last commit, so everything
 *   uncommitted comes again (as after a crash).
 * - A message that does not decode goes to the dead-letter topic with its reason and is committed
 *   past (once everything before it is committed), so the partition goes on.
 */
import type {
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  Kafka as KafkaClient,
  KafkaConfig,
  Producer,
} from 'kafkajs';
import type { Registry } from 'prom-client';
import { type Codec, CodecError, codecFor, type DeadLetter, jsonCodec } from './codec.ts';
import { type KafkaMetrics, kafkaMetrics } from './kafka-metrics.ts';
// kafkajs with its CRC-32C, encoder growth and producer grouping patched (see there).
import { kafkajs } from './kafkajs-speedups.ts';
import { TOPICS } from './topics.ts';
import {
  type ConsumerContext,
  type Delivery,
  type Handler,
  type Message,
  partitionFor,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from './transport.ts';

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  /** Codec per topic name; defaults to the pipeline's codecs (codec.ts) by topic name. */
  codecFor: (topic: string) => Codec<unknown>;
  /** Where undecodable messages go. */
  deadLetterTopic: string;
  /** Most messages handed to a handler at once. */
  maxBatch: number;
  /** Told when a handler fails; the partition is sought back to its last commit after `retryMs`. */
  onHandlerError: (error: unknown, topic: string, group: string) => void;
  retryMs: number;
  /** Consumer settings (session/heartbeat/rebalance timeouts, maxWaitTimeInMs...). */
  consumer: Partial<Omit<ConsumerConfig, 'groupId'>>;
  /** Partitions of one subscription handled at the same time (each still one batch at a time). */
  partitionsConsumedConcurrently: number;
  /** How long `subscribe` waits for the group join. */
  joinTimeoutMs: number;
  kafka: Partial<KafkaConfig>;
  /** Where the transport's metrics go (messages, bytes, lag, batch sizes, errors); none when absent. */
  registry?: Registry;
}

const DEFAULTS: Omit<KafkaTransportOptions, 'brokers'> = {
  clientId: 'capstream',
  codecFor,
  deadLetterTopic: TOPICS.deadLetter,
  maxBatch: 64,
  onHandlerError: () => {},
  retryMs: 200,
  // A crashed consumer's partitions move to the others after the session timeout: 10 s rather
  // than kafkajs's 30 s, with heartbeats every second (the broker's minimum is 6 s). Fetches of
  // up to 8 MiB a partition (kafkajs: 1 MiB, about one segment) hand a handler several segments
  // at once, so it commits once for them instead of once each.
  consumer: { sessionTimeout: 10_000, heartbeatInterval: 1_000, maxBytesPerPartition: 8 * 1024 * 1024 },
  partitionsConsumedConcurrently: 1,
  joinTimeoutMs: 30_000,
  kafka: {},
};

/** Most value bytes (before compression) in one produce call: under the broker's default 1 MiB batch limit. */
const MAX_SEND_BYTES = 768 * 1024;

/** The name in kafkajs's CompressionTypes of each codec setting (kafkajs loads on first use). */
const COMPRESSION = { none: 'None', gzip: 'GZIP' } as const;

/** Per partition, within one consumer session. */
interface PartitionState {
  /** The group's committed position (next offset to read) as this session knows it. */
  committedNext: number;
  /** Offsets already dead-lettered: a commit reaching them moves past them. */
  poison: Set<number>;
}

export class KafkaTransport implements Transport {
  readonly options: KafkaTransportOptions;
  private readonly kafka: KafkaClient;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly deadLetterCodec: Codec<DeadLetter>;
  private readonly metrics: KafkaMetrics | null;
  private closed = false;

  constructor(options: Partial<KafkaTransportOptions> & { brokers: string[] }) {
    this.options = { ...DEFAULTS, ...options };
    const { Kafka, logLevel } = kafkajs();
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: this.options.brokers,
      logLevel: logLevel.NOTHING,
      ...this.options.kafka,
    });
    this.deadLetterCodec = jsonCodec<DeadLetter>(this.options.deadLetterTopic);
    this.metrics = this.options.registry ? kafkaMetrics(this.options.registry) : null;
  }

  private getProducer(): Promise<Producer> {
    this.producerReady ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner:
          () =>
          ({ partitionMetadata, message }) =>
            partitionFor(String(message.key ?? ''), partitionMetadata.length),
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    this.producerReady.catch(() => {
      this.producerReady = undefined;
    });
    return this.producerReady;
  }

  async send<T>(topic: string, messages: Message<T>[]): Promise<void> {
    if (this.closed) throw new Error('transport is closed');
    if (messages.length === 0) return;
    const codec = this.options.codecFor(topic) as Codec<T>;
    const producer = await this.getProducer();
    const encoded = messages.map((m) => ({ key: m.key, value: codec.encode(m.value) }));
    // kafkajs makes one record batch per partition of a send, and the broker refuses a batch over
    // the topic's max.message.bytes (1 MiB by default): a capture's last flows (thousands, one
    // key) go in several sends. One message over the bound still goes, alone.
    let bytes = 0;
    for (let start = 0; start < encoded.length; ) {
      let end = start;
      let size = 0;
      while (end < encoded.length && (end === start || size + encoded[end].value.length <= MAX_SEND_BYTES)) {
        size += encoded[end].value.length;
        end++;
      }
      await producer.send({
        topic,
        acks: -1,
        compression: kafkajs().CompressionTypes[COMPRESSION[codec.compression]],
        messages: encoded.slice(start, end),
      });
      bytes += size;
      start = end;
    }
    this.metrics?.produced.inc({ topic }, encoded.length);
    this.metrics?.producedBytes.inc({ topic }, bytes);
  }

  /** Writes raw bytes to a topic, bypassing its codec (tests: poison messages). */
  async sendRaw(topic: string, messages: { key: string; value: Buffer }[]): Promise<void> {
    const producer = await this.getProducer();
    await producer.send({ topic, acks: -1, messages });
  }

  async subscribe<T>(
    topic: string,
    group: string,
    handler: Handler<T>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) throw new Error('transport is closed');
    const codec = this.options.codecFor(topic) as Codec<T>;
    const { maxBatch, retryMs, onHandlerError } = this.options;
    const metrics = this.metrics;
    // `latest` is where the partitions end now, when subscribe is called, rather than whenever
    // the group's first fetch resolves it: nothing sent after subscribe returns is missed.
    let startAt = options.start === 'latest' ? await this.uncommittedEnds(topic, group) : null;
    const consumer = this.kafka.consumer({ ...this.options.consumer, groupId: group });
    this.consumers.add(consumer);
    let states = new Map<number, PartitionState>();
    let stopping = false;

    const commitTo = async (partition: number, next: number): Promise<void> => {
      const st = states.get(partition);
      let target = next;
      while (st?.poison.has(target)) target++;
      await consumer.commitOffsets([{ topic, partition, offset: String(target) }]);
      if (st && target > st.committedNext) st.committedNext = target;
    };

    const ctx: ConsumerContext = {
      commit: (partition, offset) => commitTo(partition, offset + 1),
    };

    const deadLetter = async (
      partition: number,
      offset: number,
      key: Buffer | null,
      value: Buffer | null,
      error: unknown,
    ): Promise<void> => {
      const dl: DeadLetter = {
        topic,
        partition,
        offset,
        group,
        key: key === null ? null : key.toString('utf8'),
        code: error instanceof CodecError ? error.code : 'ERROR',
        reason: error instanceof Error ? error.message : String(error),
        at: new Date().toISOString(),
        value: value === null ? '' : value.toString('base64'),
      };
      const producer = await this.getProducer();
      await producer.send({
        topic: this.options.deadLetterTopic,
        acks: -1,
        messages: [{ key: `${topic}/${partition}/${offset}`, value: this.deadLetterCodec.encode(dl) }],
      });
      this.metrics?.deadLetters.inc({ topic, code: dl.code });
    };

    const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      const partition = batch.partition;
      if (batch.messages.length === 0) return;
      let st = states.get(partition);
      if (st === undefined) {
        // The first fetch of a partition in a session starts at the group's committed position.
        st = { committedNext: Number(batch.messages[0].offset), poison: new Set() };
        states.set(partition, st);
      }
      const live = () => !stopping && isRunning() && !isStale();
      let chunk: Delivery<T>[] = [];
      let chunkBytes = 0;

      const flush = async (): Promise<boolean> => {
        if (chunk.length === 0) return true;
        const deliveries = chunk;
        chunk = [];
        const bytes = chunkBytes;
        chunkBytes = 0;
        // Keep the session alive while a slow handler runs.
        const timer = setInterval(() => heartbeat().catch(() => {}), 1000);
        try {
          await handler(deliveries, ctx);
        } catch (e) {
          metrics?.handlerErrors.inc({ topic, group });
          onHandlerError(e, topic, group);
          await new Promise((r) => setTimeout(r, retryMs));
          // As after a crash: everything after the last commit comes again.
          if (isRunning() && !isStale()) {
            consumer.seek({ topic, partition, offset: String(states.get(partition)?.committedNext ?? 0) });
          }
          return false;
        } finally {
          clearInterval(timer);
        }
        const last = deliveries[deliveries.length - 1].offset;
        resolveOffset(String(last));
        if (metrics) {
          metrics.consumed.inc({ topic, group }, deliveries.length);
          metrics.consumedBytes.inc({ topic, group }, bytes);
          metrics.batchSize.observe({ topic }, deliveries.length);
          metrics.lag.set({ topic, group, partition }, Math.max(0, Number(batch.highWatermark) - last - 1));
        }
        await heartbeat().catch(() => {});
        return true;
      };

      for (const m of batch.messages) {
        if (!live()) return;
        const offset = Number(m.offset);
        let value: T;
        try {
          if (m.value === null) throw new CodecError('MALFORMED', topic, `null value on ${topic}`);
          value = codec.decode(m.value);
        } catch (e) {
          if (!(await flush())) return;
          if (!live()) return;
          if (!st.poison.has(offset)) {
            await deadLetter(partition, offset, m.key, m.value, e);
            st.poison.add(offset);
          }
          resolveOffset(m.offset);
          // Committed past only when everything before it is: otherwise the handler's next commit
          // moves past it (commitTo skips poison offsets).
          if (st.committedNext === offset) await commitTo(partition, offset + 1);
          continue;
        }
        chunk.push({ topic, partition, offset, key: m.key === null ? '' : m.key.toString('utf8'), value });
        chunkBytes += m.value.length;
        if (chunk.length >= maxBatch && !(await flush())) return;
      }
      if (live()) await flush();
    };

    let joined: () => void = () => {};
    const join = new Promise<void>((resolve) => {
      joined = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // A new generation: positions come from the committed offsets again.
      states = new Map();
      for (const p of startAt ?? []) consumer.seek({ topic, partition: p.partition, offset: p.high });
      startAt = null;
      joined();
    });
    let crashed: ((e: unknown) => void) | undefined;
    const crash = new Promise<never>((_, reject) => {
      crashed = reject;
    });
    crash.catch(() => {});
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) crashed?.(e.payload.error);
    });

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: options.start !== 'latest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        eachBatch,
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`group ${group} did not join ${topic} within ${this.options.joinTimeoutMs} ms`)),
          this.options.joinTimeoutMs,
        );
      });
      try {
        await Promise.race([join, crash, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => {});
      throw e;
    }

    return {
      close: async () => {
        stopping = true;
        // Waits for the batch in flight; leaves the group without committing anything more.
        await consumer.disconnect();
        this.consumers.delete(consumer);
      },
    };
  }

  /** The end (the next message's offset) of each partition where `group` has committed nothing. */
  private async uncommittedEnds(
    topic: string,
    group: string,
  ): Promise<{ partition: number; high: string }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const resumes = new Set(
        (committed?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => p.partition),
      );
      return (await admin.fetchTopicOffsets(topic)).filter((p) => !resumes.has(p.partition));
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    if (this.producerReady) await this.producerReady.then((p) => p.disconnect()).catch(() => {});
    this.producer = undefined;
    this.producerReady = undefined;
  }
}
