// The Transport contract as tests, run against every implementation (memory-transport-contract.test.ts,
// kafka-transport.test.ts). Each test asks the factory for a fresh transport and the topics it
// uses (unique names, with their partition counts), so tests never see each other's messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Delivery, partitionFor, type Transport } from '../src/transport.ts';

export interface ContractTopic {
  name: string;
  partitions: number;
}

export interface ContractFixture {
  transport: Transport;
  cleanup: () => Promise<void>;
}

/** `make` gets the topics a test will use; a Kafka factory creates them, the memory one sizes its partitions. */
export type ContractFactory = (spec: { topics: ContractTopic[] }) => Promise<ContractFixture>;

export interface ContractOptions {
  /** How long to wait for deliveries. */
  timeoutMs?: number;
  /** Quiet time that must pass without unexpected deliveries. */
  settleMs?: number;
}

interface Value {
  key: string;
  seq: number;
}

const unique = (what: string) => `contract-${what}-${randomBytes(4).toString('hex')}`;

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function transportContract(name: string, make: ContractFactory, options: ContractOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 5000;
  const settleMs = options.settleMs ?? 300;

  async function withFixture(topics: ContractTopic[], body: (t: Transport) => Promise<void>): Promise<void> {
    const f = await make({ topics });
    try {
      await body(f.transport);
    } finally {
      await f.cleanup();
    }
  }

  describe(`transport contract: ${name}`, () => {
    it('delivers every message, each key on partitionFor(key) and in order', async () => {
      const topic = { name: unique('order'), partitions: 3 };
      await withFixture([topic], async (t) => {
        const seen: Delivery<Value>[] = [];
        const sub = await t.subscribe<Value>(topic.name, unique('g'), async (batch, ctx) => {
          for (const d of batch) assert.equal(d.partition, batch[0].partition, 'a batch holds one partition');
          seen.push(...batch);
          await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
        });
        const keys = Array.from({ length: 6 }, (_, i) => `key-${i}`);
        const total = 60;
        // Several sends, so a key's messages span several batches.
        for (let i = 0; i < total; i += 10) {
          await t.send<Value>(
            topic.name,
            Array.from({ length: 10 }, (_, j) => {
              const n = i + j;
              return {
                key: keys[n % keys.length],
                value: { key: keys[n % keys.length], seq: Math.floor(n / keys.length) },
              };
            }),
          );
        }
        await until(
          () => seen.length >= total,
          timeoutMs,
          () => `${seen.length} of ${total} delivered`,
        );
        await new Promise((r) => setTimeout(r, settleMs));
        await sub.close();
        assert.equal(seen.length, total, 'each message once while nothing fails');
        for (const key of keys) {
          const mine = seen.filter((d) => d.key === key);
          assert.deepEqual(
            mine.map((d) => d.value.seq),
            Array.from({ length: total / keys.length }, (_, i) => i),
            `order of ${key}`,
          );
          for (const d of mine)
            assert.equal(d.partition, partitionFor(key, topic.partitions), `partition of ${key}`);
          const offsets = mine.map((d) => d.offset);
          assert.deepEqual(
            offsets,
            [...offsets].sort((a, b) => a - b),
            `offsets of ${key} increase`,
          );
        }
      });
    });

    it('delivers again what was not committed when a subscription closes', async () => {
      const topic = { name: unique('redeliver'), partitions: 1 };
      await withFixture([topic], async (t) => {
        const group = unique('g');
        await t.send<Value>(
          topic.name,
          Array.from({ length: 10 }, (_, seq) => ({ key: 'k', value: { key: 'k', seq } })),
        );
        const first: number[] = [];
        const sub1 = await t.subscribe<Value>(topic.name, group, async (batch) => {
          for (const d of batch) first.push(d.value.seq);
        });
        await until(
          () => first.length >= 10,
          timeoutMs,
          () => `first session saw ${first.length} of 10`,
        );
        await sub1.close();
        const second: number[] = [];
        const sub2 = await t.subscribe<Value>(topic.name, group, async (batch, ctx) => {
          for (const d of batch) second.push(d.value.seq);
          await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
        });
        await until(
          () => second.length >= 10,
          timeoutMs,
          () => `second session saw ${second.length} of 10`,
        );
        await sub2.close();
        assert.deepEqual(
          second,
          Array.from({ length: 10 }, (_, i) => i),
        );
      });
    });

    it('a new subscription of the group starts after its last commit', async () => {
      const topic = { name: unique('commit'), partitions: 1 };
      await withFixture([topic], async (t) => {
        const group = unique('g');
        await t.send<Value>(
          topic.name,
          Array.from({ length: 10 }, (_, seq) => ({ key: 'k', value: { key: 'k', seq } })),
        );
        const first: number[] = [];
        const sub1 = await t.subscribe<Value>(topic.name, group, async (batch, ctx) => {
          for (const d of batch) {
            first.push(d.value.seq);
            if (d.value.seq === 4) await ctx.commit(d.partition, d.offset);
          }
        });
        await until(
          () => first.length >= 10,
          timeoutMs,
          () => `first session saw ${first.length} of 10`,
        );
        await sub1.close();
        await t.send<Value>(topic.name, [{ key: 'k', value: { key: 'k', seq: 10 } }]);
        const second: number[] = [];
        const sub2 = await t.subscribe<Value>(topic.name, group, async (batch, ctx) => {
          for (const d of batch) second.push(d.value.seq);
          await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
        });
        await until(
          () => second.length >= 6,
          timeoutMs,
          () => `second session saw ${second.length} of 6`,
        );
        await new Promise((r) => setTimeout(r, settleMs));
        await sub2.close();
        assert.deepEqual(second, [5, 6, 7, 8, 9, 10]);
      });
    });

    it('a new group that starts at the latest offsets gets only what is sent after it subscribed', async () => {
      const topic = { name: unique('latest'), partitions: 2 };
      await withFixture([topic], async (t) => {
        const keys = ['a', 'b', 'c', 'd'];
        const batch = (seq: number) => keys.map((key) => ({ key, value: { key, seq } }));
        await t.send<Value>(topic.name, batch(0));
        const seen: Value[] = [];
        // An observer: it never commits.
        const sub = await t.subscribe<Value>(
          topic.name,
          unique('g'),
          async (b) => {
            for (const d of b) seen.push(d.value);
          },
          { start: 'latest' },
        );
        await t.send<Value>(topic.name, batch(1));
        await until(
          () => seen.length >= keys.length,
          timeoutMs,
          () => `saw ${JSON.stringify(seen)}`,
        );
        await new Promise((r) => setTimeout(r, settleMs));
        await sub.close();
        assert.deepEqual(seen.map((v) => `${v.key}${v.seq}`).sort(), ['a1', 'b1', 'c1', 'd1']);
      });
    });

    it("a failing handler's batch is delivered again, and the partition goes on", async () => {
      const topic = { name: unique('retry'), partitions: 1 };
      await withFixture([topic], async (t) => {
        const seen: number[] = [];
        let failures = 0;
        const sub = await t.subscribe<Value>(topic.name, unique('g'), async (batch, ctx) => {
          if (failures === 0 && batch.some((d) => d.value.seq === 3)) {
            failures++;
            throw new Error('boom');
          }
          for (const d of batch) seen.push(d.value.seq);
          await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
        });
        await t.send<Value>(
          topic.name,
          Array.from({ length: 8 }, (_, seq) => ({ key: 'k', value: { key: 'k', seq } })),
        );
        await until(
          () => seen.includes(7),
          timeoutMs,
          () => `saw ${JSON.stringify(seen)}`,
        );
        await sub.close();
        assert.equal(failures, 1);
        // At least once, in order: after dropping repeats, every message once and in sequence.
        assert.deepEqual(
          seen.filter((v, i) => seen.indexOf(v) === i),
          Array.from({ length: 8 }, (_, i) => i),
        );
        for (let i = 1; i < seen.length; i++) {
          if (seen[i] < seen[i - 1]) assert.ok(seen[i] <= 3, `only uncommitted messages come again: ${seen}`);
        }
      });
    });
  });
}
