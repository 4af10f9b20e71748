import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIPv4, formatIPv6 } from '../../src/app/ip-text.ts';
import { hex } from './builders.ts';

test('formatIPv4', () => {
  assert.equal(formatIPv4(Uint8Array.from([0, 192, 0, 2, 1]), 1), '192.0.2.1');
});

test('formatIPv6 follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    // §4.2.2: a single zero field is not shortened.
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run wins; on a tie the first one.
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010000000000010000000000000001', '2001:0:0:1::1'],
    ['20010db800000000000100000000abcd', '2001:db8::1:0:0:abcd'],
    // §4.1 leading zeros suppressed, §4.3 lower case.
    ['20010DB800AB0CDE0000000000000FFF', '2001:db8:ab:cde::fff'],
    // §5: IPv4-mapped.
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['20010db8aaaabbbbccccddddeeeeffff', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ];
  for (const [h, want] of cases) assert.equal(formatIPv6(hex(h)), want, h);
  assert.equal(formatIPv6(hex(`ffff${'20010db8000000000000000000000001'}`), 2), '2001:db8::1');
});
