import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamBuffer } from '../../src/app/stream-buffer.ts';

test('no copy until held; appends; cap sets full', () => {
  const sb = new StreamBuffer(10);
  const p1 = Uint8Array.from([1, 2, 3]);
  assert.equal(sb.feed(p1), p1);
  sb.hold(p1);
  assert.equal(sb.pending, true);
  assert.deepEqual(sb.feed(Uint8Array.from([4, 5])), Uint8Array.from([1, 2, 3, 4, 5]));
  assert.deepEqual(
    sb.feed(Uint8Array.from([4, 5])),
    Uint8Array.from([1, 2, 3, 4, 5]),
    'retransmission ignored',
  );
  assert.equal(sb.full, false);
  assert.deepEqual(
    sb.feed(Uint8Array.from([6, 7, 8, 9, 10, 11, 12])),
    Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  );
  assert.equal(sb.full, true);
  sb.clear();
  assert.equal(sb.pending, false);
  assert.equal(sb.bytes().length, 0);
});
