import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { hmacKey, hmacSha256, sha256 } from '../../src/app/sha256.ts';

/** Deterministic bytes (no randomness in tests): a simple LCG. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('SHA-256 matches node:crypto on every length across the padding boundaries', () => {
  assert.equal(
    sha256(new TextEncoder().encode('abc')).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', // FIPS 180-2 B.1
  );
  for (let n = 0; n <= 200; n++) {
    const m = bytes(n, n);
    assert.equal(sha256(m).toString('hex'), createHash('sha256').update(m).digest('hex'), `length ${n}`);
  }
});

test('HMAC-SHA-256 matches node:crypto for short, block-sized and long keys', () => {
  for (const keyLen of [0, 1, 8, 20, 32, 63, 64, 65, 131]) {
    const key = bytes(keyLen, 1000 + keyLen);
    const k = hmacKey(key);
    for (let n = 0; n <= 140; n += 7) {
      const m = bytes(n, keyLen * 1000 + n);
      assert.equal(
        hmacSha256(k, m).toString('hex'),
        createHmac('sha256', key).update(m).digest('hex'),
        `key ${keyLen}, message ${n}`,
      );
    }
  }
});
