import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ORDER, formatSort, nextSort, parseSort } from './sort.ts';

describe('flow table sort', () => {
  it('reads and writes the URL form', () => {
    assert.deepEqual(parseSort('BYTES:ASC'), { field: 'BYTES', direction: 'ASC' });
    assert.deepEqual(parseSort('BYTES'), { field: 'BYTES', direction: 'DESC' });
    assert.deepEqual(parseSort('DROP TABLE:ASC'), DEFAULT_ORDER);
    assert.deepEqual(parseSort(null), DEFAULT_ORDER);
    assert.equal(formatSort({ field: 'APP', direction: 'ASC' }), 'APP:ASC');
  });
  it('a new column sorts biggest first; the same column flips', () => {
    assert.deepEqual(nextSort(DEFAULT_ORDER, 'BYTES'), { field: 'BYTES', direction: 'DESC' });
    assert.deepEqual(nextSort({ field: 'BYTES', direction: 'DESC' }, 'BYTES'), {
      field: 'BYTES',
      direction: 'ASC',
    });
  });
});
