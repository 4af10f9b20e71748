import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryTransport } from '../src/memory-transport.ts';
import type { Delivery } from '../src/transport.ts';

const until = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('in-process transport', () => {
  it('keeps order per key and delivers every message', async () => {
    const t = new MemoryTransport({ partitions: 3, maxBatch: 4 });
    const seen = new Map<string, number[]>();
    const sub = await t.subscribe<number>('x', 'g', async (batch, ctx) => {
      for (const d of batch) seen.set(d.key, [...(seen.get(d.key) ?? []), d.value]);
      await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
    });
    for (let i = 0; i < 50; i++) await t.send('x', [{ key: `k${i % 5}`, value: i }]);
    await until(() => [...seen.values()].reduce((n, v) => n + v.length, 0) === 50);
    for (const [key, values] of seen) {
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `order for ${key}`,
      );
    }
    await sub.close();
    assert.equal(t.lag('x', 'g'), 0);
  });

  it('redelivers what was not committed when a consumer restarts', async () => {
    const t = new MemoryTransport({ partitions: 1, maxBatch: 1 });
    const first: number[] = [];
    const sub1 = await t.subscribe<number>('x', 'g', async (batch, ctx) => {
      for (const d of batch) first.push(d.value);
      if (batch[0].value < 3) await ctx.commit(0, batch[0].offset);
    });
    await t.send(
      'x',
      [0, 1, 2, 3, 4, 5].map((v) => ({ key: 'a', value: v })),
    );
    await until(() => first.length === 6);
    await sub1.close();
    const second: number[] = [];
    const sub2 = await t.subscribe<number>('x', 'g', async (batch, ctx) => {
      for (const d of batch) second.push(d.value);
      await ctx.commit(0, batch[0].offset);
    });
    await until(() => second.length === 3);
    assert.deepEqual(second, [3, 4, 5]);
    await sub2.close();
  });

  it('retries a batch whose handler failed', async () => {
    const errors: unknown[] = [];
    const t = new MemoryTransport({ partitions: 1, retryMs: 5, onHandlerError: (e) => errors.push(e) });
    let calls = 0;
    const got: Delivery<string>[] = [];
    const sub = await t.subscribe<string>('x', 'g', async (batch, ctx) => {
      if (calls++ === 0) throw new Error('database down');
      got.push(...batch);
      await ctx.commit(0, batch[batch.length - 1].offset);
    });
    await t.send('x', [{ key: 'a', value: 'one' }]);
    await until(() => got.length === 1);
    assert.equal(errors.length, 1);
    await sub.close();
  });

  it('makes senders wait while the consumer is behind', async () => {
    const t = new MemoryTransport({ partitions: 1, maxBacklog: 5, maxBatch: 1 });
    let release: () => void = () => {};
    let delivered = 0;
    const sub = await t.subscribe<number>('x', 'g', async (batch, ctx) => {
      await new Promise<void>((r) => {
        release = r;
      });
      delivered++;
      await ctx.commit(0, batch[0].offset);
    });
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < 20; i++) {
        await t.send('x', [{ key: 'a', value: i }]);
        sent++;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(sent <= 6, `sender ran ahead: ${sent}`);
    while (delivered < 20) {
      release();
      await new Promise((r) => setTimeout(r, 1));
    }
    await sending;
    assert.equal(sent, 20);
    await sub.close();
  });
  it('lets go of messages once every group committed past them, and says which', async () => {
    const trimmed: string[] = [];
    const t = new MemoryTransport({
      partitions: 1,
      maxBatch: 2,
      onTrim: (topic, messages) => trimmed.push(...messages.map((m) => `${topic}:${m.value}`)),
    });
    const fast: number[] = [];
    const slow: number[] = [];
    const subFast = await t.subscribe<number>('x', 'fast', async (batch, ctx) => {
      fast.push(...batch.map((d) => d.value));
      await ctx.commit(0, batch[batch.length - 1].offset);
    });
    let slowCommits = true;
    const subSlow = await t.subscribe<number>('x', 'slow', async (batch, ctx) => {
      slow.push(...batch.map((d) => d.value));
      if (slowCommits) await ctx.commit(0, batch[batch.length - 1].offset);
    });
    await t.send(
      'x',
      [0, 1, 2, 3].map((v) => ({ key: 'a', value: v })),
    );
    await until(() => fast.length === 4 && slow.length === 4);
    assert.deepEqual(trimmed, ['x:0', 'x:1', 'x:2', 'x:3']);
    // A group that has not committed holds them: nothing is let go, and a restart gets them again.
    slowCommits = false;
    await t.send('x', [{ key: 'a', value: 4 }]);
    await until(() => fast.length === 5 && slow.length === 5);
    assert.deepEqual(trimmed, ['x:0', 'x:1', 'x:2', 'x:3']);
    await subSlow.close();
    const again: number[] = [];
    const subAgain = await t.subscribe<number>('x', 'slow', async (batch, ctx) => {
      again.push(...batch.map((d) => d.value));
      await ctx.commit(0, batch[batch.length - 1].offset);
    });
    await until(() => again.length === 1);
    assert.deepEqual(again, [4]);
    await until(() => trimmed.length === 5);
    assert.equal(trimmed[4], 'x:4');
    await subFast.close();
    await subAgain.close();
  });

  it('applies a topic its own backlog and batch size', async () => {
    const t = new MemoryTransport({
      partitions: 1,
      maxBacklog: 100,
      maxBatch: 50,
      topicLimits: { big: { maxBacklog: 2, maxBatch: 1 } },
    });
    const batches: number[] = [];
    let release: () => void = () => {};
    const sub = await t.subscribe<number>('big', 'g', async (batch, ctx) => {
      batches.push(batch.length);
      await new Promise<void>((r) => {
        release = r;
      });
      await ctx.commit(0, batch[batch.length - 1].offset);
    });
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < 10; i++) {
        await t.send('big', [{ key: 'a', value: i }]);
        sent++;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(sent <= 3, `sender ran ahead: ${sent}`);
    while (batches.length < 10) {
      release();
      await new Promise((r) => setTimeout(r, 1));
    }
    release();
    await sending;
    assert.deepEqual(batches, Array(10).fill(1));
    await sub.close();
  });
});
