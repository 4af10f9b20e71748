import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { samplePcap } from '@capstream/core/testing';
import { BufferPool } from '../src/buffer-pool.ts';
import { Segmenter } from '../src/segmenter.ts';

describe('buffer pool', () => {
  it('hands out a given-back buffer again, once, and only its own', () => {
    const pool = new BufferPool(2);
    const a = pool.take(1024);
    assert.equal(a.length, 1024);
    pool.give(a.subarray(100, 200)); // any view of it
    pool.give(a); // given back twice: kept once
    pool.give(Buffer.alloc(1024)); // not the pool's
    pool.give(new Uint8Array(1024));
    assert.equal(pool.idle, 1);
    const b = pool.take(1024);
    assert.equal(b.buffer, a.buffer);
    assert.equal(pool.idle, 0);
    assert.notEqual(pool.take(1024).buffer, a.buffer);
    assert.equal(pool.take(2048).length, 2048);
  });

  it('keeps at most maxIdle free buffers per size', () => {
    const pool = new BufferPool(2);
    const taken = [pool.take(64), pool.take(64), pool.take(64)];
    for (const t of taken) pool.give(t);
    assert.equal(pool.idle, 2);
  });

  it('feeds a segmenter whose segments read the same when their buffers come back', () => {
    const bytes = samplePcap();
    const pool = new BufferPool();
    const reference = new Segmenter({ maxBytes: 2048 });
    const pooled = new Segmenter({ maxBytes: 2048, buffers: pool });
    const want = [...reference.push(bytes), ...reference.end()].map((s) =>
      Buffer.from(s.records).toString('hex'),
    );
    const got: string[] = [];
    const memories = new Set<ArrayBufferLike>();
    for (let o = 0; o < bytes.length; o += 500) {
      for (const s of pooled.push(bytes.subarray(o, o + 500))) {
        got.push(Buffer.from(s.records).toString('hex'));
        memories.add(s.records.buffer);
        pool.give(s.records); // consumed at once: its buffer can hold the next segment
      }
    }
    for (const s of pooled.end()) got.push(Buffer.from(s.records).toString('hex'));
    assert.deepEqual(got, want);
    assert.ok(want.length > 10, `${want.length} segments`);
    assert.ok(memories.size <= want.length / 20, `${memories.size} buffers for ${want.length} segments`);
  });
});
