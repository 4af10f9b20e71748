import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from '../../src/flow/time.ts';
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
});
