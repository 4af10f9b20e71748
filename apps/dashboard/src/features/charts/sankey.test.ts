import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sankeyOption } from './sankey.ts';

describe('sankey option', () => {
  it('has one node per name and no cycle when a target is named like a source', () => {
    const opt = sankeyOption(
      [
        { source: 'dns', target: 'US', flows: 3, bytes: 300 },
        { source: 'tls', target: 'US', flows: 1, bytes: 900 },
        { source: 'dns', target: 'dns', flows: 1, bytes: 10 },
        { source: 'tls', target: 'DE', flows: 0, bytes: 0 },
      ],
      'flows',
    ) as {
      series: { data: { name: string }[]; links: { source: string; target: string; value: number }[] }[];
    };
    const s = opt.series[0];
    const names = s.data.map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    for (const l of s.links) assert.notEqual(l.source, l.target);
    assert.equal(s.links.length, 3, 'zero links are left out');
  });
});
