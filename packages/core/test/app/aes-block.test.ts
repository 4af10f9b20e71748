import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { aes128EncryptBlock } from '../../src/app/aes-block.ts';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('AES-128 block', () => {
  it("encrypts FIPS-197's example vectors", () => {
    // FIPS-197 Appendix B and Appendix C.1.
    assert.equal(
      Buffer.from(
        aes128EncryptBlock(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('3243f6a8885a308d313198a2e0370734')),
      ).toString('hex'),
      '3925841d02dc09fbdc118597196a0b32',
    );
    assert.equal(
      Buffer.from(
        aes128EncryptBlock(hex('000102030405060708090a0b0c0d0e0f'), hex('00112233445566778899aabbccddeeff')),
      ).toString('hex'),
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
  });

  it('agrees with node:crypto AES-128-ECB on random keys and blocks, at any offset', () => {
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(16);
      const buf = randomBytes(40);
      const at = i % 24;
      const c = createCipheriv('aes-128-ecb', key, null);
      c.setAutoPadding(false);
      const want = c.update(buf.subarray(at, at + 16));
      assert.deepEqual(Buffer.from(aes128EncryptBlock(key, buf, at)), want);
    }
  });

  it('refuses a key or block of the wrong size', () => {
    assert.throws(() => aes128EncryptBlock(new Uint8Array(15), new Uint8Array(16)), RangeError);
    assert.throws(() => aes128EncryptBlock(new Uint8Array(16), new Uint8Array(16), 1), RangeError);
  });
});
