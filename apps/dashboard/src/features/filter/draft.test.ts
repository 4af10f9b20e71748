import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draftFrom, filterFromDraft, localInputToIso } from './draft.ts';
import { EMPTY_FILTER } from './filter-state.ts';

describe('filter draft', () => {
  it('shows protocol names and UTC inputs, and reads them back', () => {
    const f = { ...EMPTY_FILTER, protos: [6, 99], from: '2024-04-25T10:00:00Z', countries: ['DE'] };
    const d = draftFrom(f);
    assert.equal(d.proto, 'tcp,99');
    assert.equal(d.from, '2024-04-25T10:00:00');
    assert.deepEqual(filterFromDraft(d), f);
  });
  it('accepts spaces and lower case', () => {
    const d = draftFrom(EMPTY_FILTER);
    d.cc = 'de us';
    d.proto = 'UDP icmp';
    d.port = ' 443 ';
    const f = filterFromDraft(d);
    assert.deepEqual(f.countries, ['DE', 'US']);
    assert.deepEqual(f.protos, [17, 1]);
    assert.deepEqual(f.port, { min: 443, max: 443 });
  });
  it('reads datetime-local values as UTC', () => {
    assert.equal(localInputToIso('2024-04-25T10:00'), '2024-04-25T10:00:00Z');
    assert.equal(localInputToIso('2024-04-25T10:00:00+02:00'), '2024-04-25T10:00:00+02:00');
    assert.equal(localInputToIso(''), '');
  });
});
