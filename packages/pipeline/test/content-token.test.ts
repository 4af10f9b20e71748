import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentToken, contentToken } from '../src/transport.ts';

describe('content tokens', () => {
  it('gives an identity fed in three parts the token of the parts joined by slashes', () => {
    const ids: [string, string, number][] = Array.from({ length: 500 }, (_, i) => [
      `cap-${i % 3}`,
      (i * 7919).toString(16).padStart(16, '0'),
      i % 11,
    ]);
    const parts = new ContentToken();
    for (const [a, b, c] of ids) parts.add3(a, b, c);
    assert.equal(parts.token(), contentToken(ids.map(([a, b, c]) => `${a}/${b}/${c}`)));
    assert.match(parts.token(), /^[0-9a-f]+-500$/);
  });

  it('tells apart contents that differ in one identity, or in how they are cut', () => {
    const one = new ContentToken();
    one.add3('c', 'f', 1);
    const other = new ContentToken();
    other.add3('c', 'f', 2);
    assert.notEqual(one.token(), other.token());
    assert.notEqual(contentToken(['a/b', 'c']), contentToken(['a', 'b/c']));
  });
});
