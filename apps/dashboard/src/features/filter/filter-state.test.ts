import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EMPTY_FILTER,
  type FilterState,
  parseFilter,
  parseRange,
  toFlowFilter,
  toggleIn,
  writeFilter,
} from './filter-state.ts';

describe('filter state', () => {
  it('parses ranges as people type them', () => {
    assert.deepEqual(parseRange('443'), { min: 443, max: 443 });
    assert.deepEqual(parseRange('1000-2000'), { min: 1000, max: 2000 });
    assert.deepEqual(parseRange('1000-'), { min: 1000 });
    assert.deepEqual(parseRange('-500'), { max: 500 });
    assert.deepEqual(parseRange('0.5..2'), { min: 0.5, max: 2 });
    assert.equal(parseRange('abc'), undefined);
    assert.equal(parseRange('1-x'), undefined);
    assert.equal(parseRange(''), undefined);
    assert.equal(parseRange('-'), undefined);
  });

  it('round-trips through the query string and keeps other keys', () => {
    const f: FilterState = {
      ...EMPTY_FILTER,
      captures: ['c1', 'c2'],
      from: '2024-04-25T00:00:00Z',
      ip: '10.0.0.0/8',
      dstPort: { min: 443, max: 443 },
      protos: [6, 17],
      apps: ['tls'],
      countries: ['DE', 'US'],
      asns: [13335],
      name: 'example',
      bytes: { min: 1000 },
      duration: { max: 2.5 },
      states: ['SF'],
    };
    const qs = writeFilter(f, new URLSearchParams('tab=map&cc=FR'));
    assert.equal(qs.get('tab'), 'map');
    assert.equal(qs.get('cc'), 'DE,US');
    assert.equal(qs.get('dport'), '443');
    assert.deepEqual(parseFilter(new URLSearchParams(qs.toString())), f);
  });

  it('drops malformed values instead of throwing', () => {
    const f = parseFilter(new URLSearchParams('proto=tcp,6,-1&asn=x&port=zz&cc=de'));
    assert.deepEqual(f.protos, [6]);
    assert.deepEqual(f.asns, []);
    assert.equal(f.port, undefined);
    assert.deepEqual(f.countries, ['DE']);
  });

  it('becomes the API FlowFilter, or nothing when empty', () => {
    assert.equal(toFlowFilter(EMPTY_FILTER), undefined);
    assert.deepEqual(
      toFlowFilter({
        ...EMPTY_FILTER,
        captures: ['c'],
        port: { min: 80.7, max: 80.7 },
        countries: ['DE'],
        name: 'x',
        duration: { min: 0.5 },
      }),
      {
        captureIds: ['c'],
        port: { min: 80, max: 80 },
        countries: ['DE'],
        serverName: 'x',
        duration: { min: 0.5 },
      },
    );
  });

  it('toggles list values', () => {
    assert.deepEqual(toggleIn(['a'], 'b'), ['a', 'b']);
    assert.deepEqual(toggleIn(['a', 'b'], 'a'), ['b']);
  });
});
