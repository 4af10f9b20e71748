import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the Kafka transport counts, for every role's /metrics. */
export interface KafkaMetrics {
  produced: Counter<'topic'>;
  producedBytes: Counter<'topic'>;
  consumed: Counter<'topic' | 'group'>;
  consumedBytes: Counter<'topic' | 'group'>;
  /** Messages between a group's position and the partition's end, as of its last batch. */
  lag: Gauge<'topic' | 'group' | 'partition'>;
  batchSize: Histogram<'topic'>;
  handlerErrors: Counter<'topic' | 'group'>;
  deadLetters: Counter<'topic' | 'code'>;
}

export function kafkaMetrics(registry: Registry): KafkaMetrics {
  const registers = [registry];
  return {
    produced: new Counter({
      name: 'capstream_kafka_produced_messages_total',
      help: 'Messages sent, by topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    producedBytes: new Counter({
      name: 'capstream_kafka_produced_bytes_total',
      help: 'Encoded message bytes sent (before compression), by topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    consumed: new Counter({
      name: 'capstream_kafka_consumed_messages_total',
      help: 'Messages handed to a handler, by topic and consumer group',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    consumedBytes: new Counter({
      name: 'capstream_kafka_consumed_bytes_total',
      help: 'Message bytes handed to a handler, by topic and consumer group',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    lag: new Gauge({
      name: 'capstream_kafka_consumer_lag',
      help: "Messages behind the partition's end, per topic, group and partition (as of the group's last batch)",
      labelNames: ['topic', 'group', 'partition'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'capstream_kafka_handler_batch_size',
      help: 'Messages per handler call, by topic',
      labelNames: ['topic'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    handlerErrors: new Counter({
      name: 'capstream_kafka_handler_errors_total',
      help: 'Handler calls that failed (the partition was sought back to its last commit), by topic and group',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'capstream_kafka_dead_letters_total',
      help: 'Messages set aside on the dead-letter topic because they did not decode, by topic and reason code',
      labelNames: ['topic', 'code'] as const,
      registers,
    }),
  };
}
