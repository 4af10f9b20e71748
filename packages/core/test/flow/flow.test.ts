import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Flow } from '../../src/flow/flow.ts';
import { v4Key, v6Key } from '../../src/flow/flow-key.ts';

describe('Flow.reset', () => {
  it('makes a used flow equal to a new one, field by field', () => {
    const used = new Flow(v4Key(6, 1, 2, 3), 4, 6);
    // Every field changed, whatever its type: a field reset() forgets keeps its sentinel.
    for (const field of Object.keys(used))
      (used as unknown as Record<string, unknown>)[field] = { sentinel: field };
    const key = v6Key(17, new Uint8Array(32), 0, 16, 0x12345678);
    assert.deepEqual({ ...used.reset(key, 6, 17) }, { ...new Flow(key, 6, 17) });
    assert.equal(used.srcIp, '::');
  });
});
