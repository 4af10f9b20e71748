/**
 * Creates the pipeline's topics on a Kafka cluster with chosen partition counts and retention.
 * Idempotent: topics that exist are left alone (a partition count lower than wanted is reported,
 * never changed here: adding partitions moves keys). Never relies on broker auto-creation.
 */
import type { Admin } from 'kafkajs';
// kafkajs with its CRC-32C, encoder growth and producer grouping patched (see there).
import { kafkajs } from './kafkajs-speedups.ts';
import { TOPICS } from './topics.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** retention.ms; -1 keeps forever. */
  retentionMs: number;
  /** Further topic configs (cleanup.policy, max.message.bytes...). */
  configs?: Record<string, string>;
}

export interface EnsureTopicsOptions {
  /** -1 (the default) takes the broker's default.replication.factor. */
  replicationFactor?: number;
  /** How long to wait for new topics' partitions to have leaders. Default 30 s. */
  timeoutMs?: number;
}

export interface EnsureTopicsReport {
  created: string[];
  existing: string[];
  /** Existing topics with fewer partitions than wanted. */
  underPartitioned: { topic: string; have: number; want: number }[];
}

const HOUR = 3_600_000;

/** The pipeline's topics with their partition counts and retention; `names` overrides the names (tests). */
export function pipelineTopicSpecs(names: Partial<Record<keyof typeof TOPICS, string>> = {}): TopicSpec[] {
  const n = { ...TOPICS, ...names };
  return [
    // Segments carry capture bytes: a day is enough to replay a parser.
    {
      topic: n.segments,
      partitions: 12,
      retentionMs: 24 * HOUR,
      configs: { 'max.message.bytes': String(8 << 20) },
    },
    { topic: n.flows, partitions: 12, retentionMs: 7 * 24 * HOUR },
    { topic: n.events, partitions: 3, retentionMs: 7 * 24 * HOUR },
    { topic: n.jobs, partitions: 3, retentionMs: 7 * 24 * HOUR },
    { topic: n.dns, partitions: 3, retentionMs: 7 * 24 * HOUR },
    { topic: n.deadLetter, partitions: 1, retentionMs: 30 * 24 * HOUR },
  ];
}

export async function ensureTopics(
  admin: Admin,
  spec: TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsReport> {
  const present = new Set(await admin.listTopics());
  const missing = spec.filter((s) => !present.has(s.topic));
  const existing = spec.filter((s) => present.has(s.topic));
  const report: EnsureTopicsReport = {
    created: [],
    existing: existing.map((s) => s.topic),
    underPartitioned: [],
  };
  if (missing.length > 0) {
    // false when another process created some of them first: those then count as existing.
    await admin.createTopics({
      // kafkajs' own wait fails on UNKNOWN_TOPIC_OR_PARTITION while a KRaft broker catches up: waitForLeaders below.
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: options.replicationFactor ?? -1,
        configEntries: Object.entries({ 'retention.ms': String(s.retentionMs), ...s.configs }).map(
          ([name, value]) => ({ name, value }),
        ),
      })),
    });
    report.created = missing.map((s) => s.topic);
    await waitForLeaders(admin, report.created, options.timeoutMs ?? 30_000);
  }
  if (existing.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: existing.map((s) => s.topic) });
    for (const s of existing) {
      const have = meta.topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
      if (have < s.partitions) report.underPartitioned.push({ topic: s.topic, have, want: s.partitions });
    }
  }
  return report;
}

/** Until every partition of `topics` has a leader (metadata errors while the cluster catches up are retried). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const pending = meta.topics.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (meta.topics.length === topics.length && pending.length === 0) return;
      last = `no leader yet for ${pending.map((t) => t.name).join(', ')}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} not ready within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The migration-like step a service runs at start: the pipeline's topics, created if missing. */
export async function ensurePipelineTopics(
  brokers: string[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsReport> {
  const { Kafka, logLevel } = kafkajs();
  const admin = new Kafka({ clientId: 'capstream-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, pipelineTopicSpecs(), options);
  } finally {
    await admin.disconnect();
  }
}
