// The kafkajs patches: the native CRC-32C gives kafkajs's own answers, and the encoder still
// writes the same bytes. (The real-broker tests check more: a broker refuses a batch whose CRC is wrong.)
import '../src/kafkajs-speedups.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { kafkaCrc32c } from '../src/kafkajs-speedups.ts';

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
