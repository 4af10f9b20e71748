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
});
