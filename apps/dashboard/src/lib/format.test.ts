import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint, formatBytes, formatDuration, formatPercent, formatTime } from './format.ts';

describe('format', () => {
  it('sizes in SI units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1500), '1.50 kB');
    assert.equal(formatBytes(123_456_789), '123 MB');
  });
  it('durations', () => {
    assert.equal(formatDuration(0.0005), '0.50 ms');
    assert.equal(formatDuration(2.5), '2.50 s');
    assert.equal(formatDuration(125), '2m 5s');
    assert.equal(formatDuration(3 * 3600 + 120), '3h 2m');
  });
  it('times in UTC as stored', () => {
    assert.equal(formatTime('2024-04-25T01:02:03.456789Z'), '2024-04-25 01:02:03.456');
    assert.equal(formatTime('2024-04-25T01:02:03Z', 0), '2024-04-25 01:02:03');
  });
  it('endpoints and percents', () => {
    assert.equal(endpoint('2001:db8::1', 443), '[2001:db8::1]:443');
    assert.equal(endpoint('10.0.0.1', null), '10.0.0.1');
    assert.equal(formatPercent(1, 3), '33%');
    assert.equal(formatPercent(1, 300), '0.3%');
  });
});
