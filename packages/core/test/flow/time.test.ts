import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochNanosText, isoTime } from '../../src/flow/time.ts';
import { rng } from '../helpers.ts';

describe('isoTime', () => {
  it('matches Date.toISOString at any precision, in any order', () => {
    const next = rng(5);
    for (let i = 0; i < 20_000; i++) {
      const sec = Math.floor(next() * 4_102_444_800); // 1970..2100
      const nsec = Math.floor(next() * 1e9);
      const digits = Math.floor(next() * 10);
      const base = new Date(sec * 1000).toISOString().slice(0, 19);
      const want = digits === 0 ? `${base}Z` : `${base}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`;
      assert.equal(isoTime(sec, nsec, digits), want);
    }
  });

  it('spells the odd values as before: dates beyond Date, nanoseconds out of range, fractional seconds', () => {
    assert.equal(isoTime(1e15, 0, 6), '@1000000000000000Z');
    assert.equal(isoTime(1_714_982_400, 1_500_000_000, 3), '2024-05-06T08:00:00.150Z');
    assert.equal(isoTime(1_714_982_400, -3, 9), '2024-05-06T08:00:00.0000000-3Z');
    assert.equal(isoTime(1_714_982_400.5, 0, 0), '2024-05-06T08:00:00.5Z');
    assert.equal(isoTime(-1, 999_999_999, 9), '1969-12-31T23:59:59.999999999Z');
  });
});

describe('epochNanosText', () => {
  it('is the exact decimal of sec * 1e9 + nsec, before 1970 and after 2038 too', () => {
    const next = rng(11);
    const secs = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, 9_000_000_001, -86_400 * 365 * 100];
    for (let i = 0; i < 5000; i++) secs.push(Math.floor(next() * 8e9) - 1e9);
    for (const sec of secs) {
      const nsec = Math.floor(next() * 1e9);
      assert.equal(
        epochNanosText(sec, nsec),
        (BigInt(sec) * 1_000_000_000n + BigInt(nsec)).toString(),
        `${sec} ${nsec}`,
      );
    }
  });
});
