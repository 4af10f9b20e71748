import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DnsRecord } from '../../src/app/dns.ts';
import { PassiveDns } from '../../src/flow/passive-dns.ts';
import { parseIPv4 } from '../../src/ip-words.ts';

// As the DNS parser makes them, with the A record's number; `addr4: -1` also works (it is parsed).
const a = (name: string, value: string, addr4 = parseIPv4(value)): DnsRecord => ({
  type: 'A',
  name,
  value,
  ttl: 60,
  addr4,
});
const cname = (name: string, value: string): DnsRecord => ({
  type: 'CNAME',
  name,
  value,
  ttl: 60,
  addr4: -1,
});
const aaaa = (name: string, value: string): DnsRecord => ({ type: 'AAAA', name, value, ttl: 60, addr4: -1 });

describe('passive DNS', () => {
  it('names an address by the head of its CNAME chain; a newer answer replaces an older one', () => {
    const dns = new PassiveDns();
    dns.learn([
      cname('www.example.com', 'edge.cdn.net'),
      cname('edge.cdn.net', 'e1.cdn.net'),
      a('e1.cdn.net', '192.0.2.1'),
    ]);
    assert.equal(dns.nameOf('192.0.2.1'), 'www.example.com');
    assert.equal(dns.nameOfV4(0xc0000201), 'www.example.com');
    dns.learn([a('other.example', '192.0.2.1', -1), aaaa('six.example', '2001:db8::1')]);
    assert.equal(dns.nameOf('192.0.2.1'), 'other.example');
    assert.equal(dns.nameOfV4(0xc0000201), 'other.example');
    assert.equal(dns.nameOf('2001:db8::1'), 'six.example');
    assert.equal(dns.nameOf('192.0.2.2'), null);
    assert.equal(dns.nameOfV4(0xc0000202), null);
  });

  it('forgets the oldest addresses first past its cap, 1% at a time', () => {
    const dns = new PassiveDns(1000);
    for (let i = 0; i < 1500; i++) dns.learn([a(`h${i}.example`, `10.0.${i >> 8}.${i & 255}`)]);
    assert.ok(dns.size <= 1000 && dns.size > 980, `${dns.size} kept`);
    assert.equal(dns.nameOf('10.0.0.0'), null);
    assert.equal(dns.nameOfV4(parseIPv4('10.0.0.0')), null, 'forgotten by number too');
    assert.equal(dns.nameOf('10.0.5.219'), 'h1499.example');
    assert.equal(dns.nameOfV4(parseIPv4('10.0.5.219')), 'h1499.example');
    // A refreshed address counts as new: it outlives those learned after it once.
    dns.learn([a('again.example', '10.0.5.0')]);
    for (let i = 1500; i < 2400; i++) dns.learn([a(`h${i}.example`, `10.1.${i >> 8}.${i & 255}`)]);
    assert.equal(dns.nameOf('10.0.5.0'), 'again.example');
  });

  it('forgets IPv4 and IPv6 addresses together, in the order they were learnt; lists what it keeps', () => {
    const dns = new PassiveDns(300);
    // Alternating kinds; now and then an old IPv4 address is learnt again under another name.
    for (let i = 0; i < 400; i++) {
      dns.learn([
        i % 2 === 0
          ? a(`h${i}.example`, `10.0.${i >> 8}.${i & 255}`)
          : aaaa(`h${i}.example`, `2001:db8::${i}`),
      ]);
      if (i % 20 === 10 && i >= 100)
        dns.learn([a(`re${i}.example`, `10.0.${(i - 100) >> 8}.${(i - 100) & 255}`)]);
    }
    const kept = new Map(dns.entries());
    assert.equal(kept.size, dns.size);
    assert.ok(dns.size <= 300 && dns.size > 290, `${dns.size} kept`);
    // The oldest went first, whatever their kind: the first ~100 learnt are gone, the last are there.
    assert.equal(dns.nameOf('10.0.0.2'), null);
    assert.equal(dns.nameOf('2001:db8::3'), null);
    assert.equal(kept.get('10.0.1.142'), 'h398.example');
    assert.equal(kept.get('2001:db8::399'), 'h399.example');
    // Learnt again (i = 150 renamed 50): as new as its second learning, so kept; its neighbour not.
    assert.equal(dns.nameOf('10.0.0.50'), 're150.example');
    assert.equal(dns.nameOf('10.0.0.52'), null);
  });

  it('does not grow with answers that only rename the same addresses', () => {
    const dns = new PassiveDns();
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 1000; i++) dns.learn([a(`r${round}.example`, `10.0.${i >> 8}.${i & 255}`)]);
    }
    assert.equal(dns.size, 1000);
    // What it remembers, listed once each: its queue of learnings was rebuilt, not left to grow.
    const listed = [...dns.entries()];
    assert.equal(listed.length, 1000);
    assert.ok(listed.every(([, name]) => name === 'r199.example'));
    assert.ok(
      (dns as unknown as { queueAddr: number[] }).queueAddr.length <= 2 * 1000 + 4096 + 1,
      'queue of learnings bounded',
    );
  });

  it('stays linear far past its default cap', { timeout: 60_000 }, () => {
    // One eviction at a time looked for the Map's first live key past every key deleted before it:
    // 600,000 answers past a cap of 200,000 took minutes.
    const dns = new PassiveDns();
    for (let i = 0; i < 600_000; i++)
      dns.learn([a('h.example', `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)]);
    assert.ok(dns.size <= 200_000);
    assert.equal(dns.nameOf('10.9.39.191'), 'h.example');
  });
});
