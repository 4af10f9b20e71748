import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportUrl, flowPcapUrl } from './downloads.ts';

describe('download links', () => {
  it('carry the filter as URL-encoded JSON and the token', () => {
    const url = new URL(
      exportUrl('csv', { countries: ['DE'], port: { min: 443, max: 443 } }, 't&k'),
      'http://h',
    );
    assert.equal(url.pathname, '/api/export');
    assert.equal(url.searchParams.get('format'), 'csv');
    assert.deepEqual(JSON.parse(url.searchParams.get('filter') ?? ''), {
      countries: ['DE'],
      port: { min: 443, max: 443 },
    });
    assert.equal(url.searchParams.get('access_token'), 't&k');
  });
  it('name one flow', () => {
    assert.equal(flowPcapUrl('c/1', 'f', 'x'), '/api/flows/c%2F1/f/pcap?access_token=x');
  });
});
