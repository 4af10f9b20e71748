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

export interface MemoryTransportOptions {
  /** Partitions per topic. */
  partitions: number;
  /** Messages a partition holds beyond its slowest group's delivery position before `send` waits. */
  maxBacklog: number;
  /** Most messages handed to a handler at once. */
  maxBatch: number;
  /** Told when a handler fails; the batch is delivered again after `retryMs`. */
  onHandlerError: (error: unknown, topic: string, group: string) => void;
  retryMs: number;
  /**
   * Told of the messages a topic lets go once every group committed past them: nothing of the
   * transport reads them again, so their buffers can be reused (the embedded pipeline's segments).
   */
  onTrim: ((topic: string, messages: readonly Message<unknown>[]) => void) | null;
  /** `maxBacklog` and `maxBatch` of particular topics (e.g. one whose messages are large). */
  topicLimits: Readonly<Record<string, Partial<Pick<MemoryTransportOptions, 'maxBacklog' | 'maxBatch'>>>>;
}

const DEFAULTS: MemoryTransportOptions = {
  partitions: 4,
  maxBacklog: 256,
  maxBatch: 64,
  onHandlerError: () => {},
  retryMs: 200,
  onTrim: null,
  topicLimits: {},
};

interface GroupState {
  /** Next offset to deliver in this session (reset to committed + 1 on a new subscription). */
  position: number;
  committed: number;
  active: boolean;
  wake: (() => void) | null;
}

/** One partition's log. Messages stay until every group has committed past them. */
class Partition {
  base = 0;
  readonly log: Message<unknown>[] = [];
  readonly groups = new Map<string, GroupState>();
  private spaceWaiters: (() => void)[] = [];

  get end(): number {
    return this.base + this.log.length;
  }

  append(m: Message<unknown>): void {
    this.log.push(m);
    for (const g of this.groups.values()) g.wake?.();
  }

  /** How far the slowest group is behind in delivery. */
  backlog(): number {
    let min = this.end;
    for (const g of this.groups.values()) min = Math.min(min, g.position);
    return this.end - min;
  }

  waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  released(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  /** Drops messages every group has committed; returns them. */
  trim(): Message<unknown>[] {
    if (this.groups.size === 0) return [];
    let min = this.end;
    for (const g of this.groups.values()) min = Math.min(min, g.committed + 1);
    const drop = min - this.base;
    if (drop <= 0) return [];
    this.base = min;
    return this.log.splice(0, drop);
  }
}

/**
 * The in-process transport: the same contract as Kafka (per-key order, at-least-once,
 * commit-driven redelivery, bounded backlog) in memory, for the embedded mode and for tests.
 * A subscription closed and opened again resumes at the group's last commit, which is how tests
 * restart a stage in the middle of a capture.
 */
export class MemoryTransport implements Transport {
  readonly options: MemoryTransportOptions;
  private readonly topics = new Map<string, Partition[]>();
  private closed = false;

  constructor(options: Partial<MemoryTransportOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  private topic(name: string): Partition[] {
    let parts = this.topics.get(name);
    if (parts === undefined) {
      parts = Array.from({ length: this.options.partitions }, () => new Partition());
      this.topics.set(name, parts);
    }
    return parts;
  }

  async send<T>(topic: string, messages: Message<T>[]): Promise<void> {
    if (this.closed) throw new Error('transport is closed');
    const parts = this.topic(topic);
    const maxBacklog = this.options.topicLimits[topic]?.maxBacklog ?? this.options.maxBacklog;
    for (const m of messages) {
      const p = parts[partitionFor(m.key, parts.length)];
      while (p.groups.size > 0 && p.backlog() >= maxBacklog) await p.waitForSpace();
      p.append(m);
    }
  }

  async subscribe<T>(
    topic: string,
    group: string,
    handler: Handler<T>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const parts = this.topic(topic);
    const maxBatch = this.options.topicLimits[topic]?.maxBatch ?? this.options.maxBatch;
    const loops: Promise<void>[] = [];
    let stopping = false;
    const states = parts.map((p) => {
      let g = p.groups.get(group);
      if (g === undefined) {
        const from = options.start === 'latest' ? p.end : p.base;
        g = { position: from, committed: from - 1, active: false, wake: null };
        p.groups.set(group, g);
      }
      if (g.active) throw new Error(`group ${group} already consumes ${topic} in this process`);
      g.active = true;
      // A new session starts after the last commit: everything uncommitted comes again.
      g.position = g.committed + 1;
      return g;
    });
    const ctx: ConsumerContext = {
      commit: async (partition, offset) => {
        const p = parts[partition];
        const g = p.groups.get(group)!;
        if (offset > g.committed) {
          g.committed = Math.min(offset, p.end - 1);
          const dropped = p.trim();
          if (dropped.length > 0) this.options.onTrim?.(topic, dropped);
        }
      },
    };
    parts.forEach((p, index) => {
      const g = states[index];
      loops.push(
        (async () => {
          while (!stopping) {
            if (g.position >= p.end) {
              await new Promise<void>((resolve) => {
                g.wake = resolve;
              });
              g.wake = null;
              continue;
            }
            const from = g.position;
            const to = Math.min(p.end, from + maxBatch);
            const batch: Delivery<T>[] = [];
            for (let o = from; o < to; o++) {
              const m = p.log[o - p.base] as Message<T>;
              batch.push({ topic, partition: index, offset: o, key: m.key, value: m.value });
            }
            try {
              await handler(batch, ctx);
            } catch (e) {
              // As a Kafka consumer would after a crash: the same messages come again.
              this.options.onHandlerError(e, topic, group);
              await new Promise((r) => setTimeout(r, this.options.retryMs));
              continue;
            }
            g.position = to;
            p.released();
          }
        })(),
      );
    });
    return {
      close: async () => {
        stopping = true;
        for (const g of states) g.wake?.();
        await Promise.allSettled(loops);
        for (const g of states) g.active = false;
      },
    };
  }

  /** Messages waiting for or in delivery to a group (for tests and metrics). */
  lag(topic: string, group: string): number {
    let lag = 0;
    for (const p of this.topic(topic)) {
      const g = p.groups.get(group);
      lag += p.end - (g ? g.committed + 1 : p.base);
    }
    return lag;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
