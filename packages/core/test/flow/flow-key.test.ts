import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIPv4, formatIPv6 } from '../../src/app/ip-text.ts';
import { Flow } from '../../src/flow/flow.ts';
import {
  KEY_A,
  KEY_B_V4,
  keyAddress,
  keyAddressText,
  v4Key,
  v6Key,
  writeKeyAddressV6,
} from '../../src/flow/flow-key.ts';

/** Random bytes with runs of zeros now and then, so '::' and IPv4-mapped forms come up. */
function address(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.random() < 0.4 ? 0 : (Math.random() * 256) | 0;
  if (n === 16 && Math.random() < 0.1) b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0);
  return b;
}

const u32 = (b: Uint8Array) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;

describe('flow keys', () => {
  it('give back both IPv4 endpoints as numbers and as text', () => {
    for (let i = 0; i < 2000; i++) {
      const a = address(4);
      const b = address(4);
      const key = v4Key(6, u32(a), u32(b), (Math.random() * 2 ** 32) >>> 0);
      assert.equal(keyAddress(key, KEY_A), u32(a));
      assert.equal(keyAddress(key, KEY_B_V4), u32(b));
      assert.equal(keyAddressText(key, 4, true), formatIPv4(a));
      assert.equal(keyAddressText(key, 4, false), formatIPv4(b));
    }
  });

  it('give back both IPv6 endpoints as their canonical text', () => {
    for (let i = 0; i < 2000; i++) {
      const both = new Uint8Array(32);
      both.set(address(16), 0);
      both.set(address(16), 16);
      const key = v6Key(17, both, 0, 16, 0x01bb_d431);
      assert.equal(keyAddressText(key, 6, true), formatIPv6(both, 0));
      assert.equal(keyAddressText(key, 6, false), formatIPv6(both, 16));
      // Written in place, after other bytes: the same text.
      const out = Buffer.alloc(64, 0x2a);
      const end = writeKeyAddressV6(out, 5, key, false);
      assert.equal(out.toString('latin1', 5, end), formatIPv6(both, 16));
      assert.equal(out[4], 0x2a);
    }
  });

  it("make a flow's source and destination from which endpoint started it", () => {
    const flow = new Flow(v4Key(6, 0xc0000201, 0xc6336407, (443 << 16) | 50000), 4, 6);
    flow.srcIsA = false;
    assert.equal(flow.srcIp, '198.51.100.7');
    assert.equal(flow.dstIp, '192.0.2.1');
    assert.equal(flow.srcV4(), 0xc6336407);
    assert.equal(flow.dstV4(), 0xc0000201);
  });
});
