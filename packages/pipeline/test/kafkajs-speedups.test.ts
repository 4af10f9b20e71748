// The kafkajs patches: the native CRC-32C gives kafkajs's own answers, and the encoder still
// writes the same bytes. (The real-broker tests check more: a broker refuses a batch whose CRC is wrong.)
import '../src/kafkajs-speedups.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { groupMessagesPerPartition, kafkaCrc32c, kafkaGroupingPatched } from '../src/kafkajs-speedups.ts';

const require = createRequire(import.meta.url);

describe('kafkajs speedups', () => {
  it('kafkajs uses the native CRC-32C, and it agrees with kafkajs’s own', () => {
    assert.equal(kafkaCrc32c(), 'native');
    const patched = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    const own = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
    assert.equal(patched(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
    for (const n of [0, 1, 7, 64, 1000, 1 << 20]) {
      const b = randomBytes(n);
      assert.equal(patched(b), own(b), `${n} bytes`);
    }
  });

  it('the producer groups messages by partition as kafkajs does, in order, in linear time', {
    timeout: 30_000,
  }, () => {
    assert.equal(kafkaGroupingPatched(), true);
    const own = require('kafkajs/src/producer/groupMessagesPerPartition.js');
    assert.equal(own, groupMessagesPerPartition, 'kafkajs loads the replacement');
    const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];
    const partitioner = ({ message }: { message: unknown }) => (message as { key: number }).key % 3;
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: i * 7 }));
    assert.deepEqual(groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner }), {
      0: [messages[0], messages[3], messages[6], messages[9]],
      1: [messages[1], messages[4], messages[7]],
      2: [messages[2], messages[5], messages[8]],
    });
    assert.deepEqual(
      groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner }),
      {},
    );
    // kafkajs's own copied the partition's array for every message: minutes for this many.
    const many = Array.from({ length: 300_000 }, () => ({ key: 3 }));
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages: many, partitioner });
    assert.equal(grouped[0]!.length, 300_000);
  });

  it('the encoder grows without clearing and still writes exactly what it was given', () => {
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const big = randomBytes(3 << 20);
    const e = new Encoder().writeInt32(7).writeBytes(big).writeInt8(-1).writeString('end');
    const want = Buffer.alloc(4 + 4 + big.length + 1 + 2 + 3);
    want.writeInt32BE(7, 0);
    want.writeInt32BE(big.length, 4);
    big.copy(want, 8);
    want.writeInt8(-1, 8 + big.length);
    want.writeInt16BE(3, 9 + big.length);
    want.write('end', 11 + big.length);
    assert.deepEqual(e.buffer, want);
    const outer = new Encoder().writeEncoder(e).writeEncoder(e);
    assert.deepEqual(outer.buffer, Buffer.concat([want, want]));
  });
});
