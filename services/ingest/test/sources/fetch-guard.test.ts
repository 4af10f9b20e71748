import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAzureBlob } from '../../src/sources/azure.ts';
import {
  AllowList,
  classifyAddress,
  embeddedIPv4,
  FETCH_ALLOW_ENV,
  fetchPolicy,
  formatIp,
  parseIp,
  pinnedLookup,
  vetUrl,
} from '../../src/sources/fetch-guard.ts';
import { openHttp } from '../../src/sources/http.ts';
import { SourceError } from '../../src/sources/source.ts';
import { collect, countClientSockets, startServer, type TestServer } from './helpers.ts';

async function refused(p: Promise<unknown>, re?: RegExp): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${err}`);
    assert.equal(err.code, 'FORBIDDEN_ADDRESS', err.message);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.fail('expected FORBIDDEN_ADDRESS');
}

describe('address classes', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700::1111', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64 of 169.254.169.254
    ['2002:c0a8:0101::1', 'private'], // 6to4 of 192.168.1.1
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
  ];
  for (const [ip, klass] of cases) {
    it(`${ip} is ${klass}`, () => assert.equal(classifyAddress(ip), klass));
  }

  it('parses and formats addresses', () => {
    assert.equal(formatIp(parseIp('[::ffff:127.0.0.1]')!), '::ffff:7f00:1');
    assert.equal(formatIp(parseIp('fe80::1%eth0')!), 'fe80::1');
    assert.equal(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(formatIp(embeddedIPv4(parseIp('::ffff:10.0.0.1')!)!), '10.0.0.1');
    assert.equal(parseIp('example.org'), null);
  });
});

describe('allow-list', () => {
  it('parses hosts, addresses, CIDRs, wildcards and ports (v4 and v6)', () => {
    const a = AllowList.parse(
      '127.0.0.1, 10.0.0.0/8 [::1]:10000, fd00::/8,storage.internal,*.corp.example,azurite:10000',
    );
    const ip = (s: string) => parseIp(s)!;
    assert.ok(a.allowsAddress(ip('127.0.0.1'), 80));
    assert.ok(!a.allowsAddress(ip('127.0.0.2'), 80));
    assert.ok(a.allowsAddress(ip('10.9.8.7'), 443));
    assert.ok(a.allowsAddress(ip('::ffff:10.9.8.7'), 443));
    assert.ok(a.allowsAddress(ip('::1'), 10000));
    assert.ok(!a.allowsAddress(ip('::1'), 10001));
    assert.ok(a.allowsAddress(ip('fd00::5'), 1));
    assert.ok(!a.allowsAddress(ip('fc00::5'), 1));
    assert.ok(!a.allowsAddress(ip('169.254.169.254'), 80));
    assert.ok(a.allowsHost('storage.internal', 443));
    assert.ok(a.allowsHost('STORAGE.internal.', 443));
    assert.ok(a.allowsHost('a.b.corp.example', 443));
    assert.ok(!a.allowsHost('corp.example', 443));
    assert.ok(a.allowsHost('azurite', 10000));
    assert.ok(!a.allowsHost('azurite', 80));
  });

  it('rejects entries it cannot read', () => {
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b/c', 'host:port', '[::1]:99999']) {
      assert.throws(() => AllowList.parse(bad), SourceError, bad);
    }
  });

  it(`reads ${FETCH_ALLOW_ENV} and adds configured entries`, () => {
    const p = fetchPolicy({ allow: ['192.168.0.0/16'], env: { [FETCH_ALLOW_ENV]: '127.0.0.0/8,::1' } });
    assert.ok(p.allow.allowsAddress(parseIp('127.0.0.5')!, 80));
    assert.ok(p.allow.allowsAddress(parseIp('::1')!, 80));
    assert.ok(p.allow.allowsAddress(parseIp('192.168.3.4')!, 80));
    assert.ok(!fetchPolicy({ env: {} }).allow.allowsAddress(parseIp('127.0.0.1')!, 80));
    assert.equal(fetchPolicy({ env: null }).maxBytes, 20 * 1024 ** 3);
    assert.equal(fetchPolicy({ env: null }).timeoutMs, 3600_000);
  });
});

describe('fetch guard (SSRF)', () => {
  let v4: TestServer; // 127.0.0.1: counts connections
  let v6: TestServer; // [::1]: counts connections
  let v4other: TestServer; // 127.0.0.1, another port
  let sockets: ReturnType<typeof countClientSockets>;
  const none = fetchPolicy({ env: null });

  before(async () => {
    v4 = await startServer((req, res) => {
      const m = /^\/to\?(.*)$/.exec(req.url ?? '');
      if (m) {
        res.writeHead(302, { location: decodeURIComponent(m[1]) });
        res.end();
      } else {
        res.end('v4 content');
      }
    });
    v6 = await startServer((_req, res) => res.end('v6 content'), '::1');
    v4other = await startServer((_req, res) => res.end('other port'));
    sockets = countClientSockets();
  });
  after(async () => {
    sockets.stop();
    await Promise.all([v4.close(), v6.close(), v4other.close()]);
  });

  const forbiddenHosts = [
    ['loopback', 'http://127.0.0.1:PORT/'],
    ['loopback (another 127/8 address)', 'http://127.1.2.3/'],
    ['loopback (decimal form)', 'http://2130706433/'],
    ['loopback (hex form)', 'http://0x7f.1/'],
    ['private 10/8', 'http://10.0.0.1/x.pcap'],
    ['private 172.16/12', 'http://172.16.5.4/x.pcap'],
    ['private 192.168/16', 'http://192.168.1.1/x.pcap'],
    ['shared 100.64/10', 'http://100.64.0.1/x.pcap'],
    ['cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', 'http://[::1]:V6PORT/'],
    ['IPv6 unique-local', 'http://[fc00::1]/x.pcap'],
    ['IPv6 link-local', 'http://[fe80::1]/x.pcap'],
    ['unspecified', 'http://0.0.0.0:PORT/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['multicast', 'http://224.0.0.1/'],
    ['broadcast', 'http://255.255.255.255/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:PORT/'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
    ['a name resolving to loopback', 'http://localhost:PORT/'],
    ['a metadata host name', 'http://metadata.google.internal/computeMetadata/v1/'],
  ];
  for (const [what, template] of forbiddenHosts) {
    it(`refuses ${what} before connecting`, async () => {
      const url = template.replace('V6PORT', String(v6.port)).replace('PORT', String(v4.port));
      const before4 = v4.connections;
      const before6 = v6.connections;
      const socketsBefore = sockets.count;
      const err = await refused(openHttp(url, { policy: none }));
      assert.doesNotMatch(err.message, /\?/);
      assert.equal(sockets.count, socketsBefore, 'a socket was opened');
      assert.equal(v4.connections, before4);
      assert.equal(v6.connections, before6);
    });
  }

  it('says why: the address and its class', async () => {
    await refused(openHttp('http://169.254.169.254/', { policy: none }), /169\.254\.169\.254.*metadata/);
    await refused(
      openHttp(`http://localhost:${v4.port}/`, { policy: none }),
      /localhost resolves to 127\.0\.0\.1.*loopback/,
    );
    await refused(openHttp('http://10.0.0.1/', { policy: none }), /private network.*CAPSTREAM_FETCH_ALLOW/);
  });

  it('connects to an allowed address (v4 and v6 entries)', async () => {
    const a = await openHttp(`${v4.origin}/`, { policy: fetchPolicy({ allow: '127.0.0.1', env: null }) });
    assert.equal((await collect(a.stream)).toString(), 'v4 content');
    const b = await openHttp(`${v6.origin}/`, {
      policy: fetchPolicy({ env: { [FETCH_ALLOW_ENV]: '::1/128' } }),
    });
    assert.equal((await collect(b.stream)).toString(), 'v6 content');
    const c = await openHttp(`http://localhost:${v4.port}/`, {
      policy: fetchPolicy({ allow: 'localhost', env: null }),
    });
    assert.equal((await collect(c.stream)).toString(), 'v4 content');
  });

  const redirectTargets = [
    ['[::1] (not in the allow-list)', () => `http://[::1]:${v6.port}/`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://192.168.0.10/x'],
    ['another port of the allowed address', () => `http://127.0.0.1:${v4other.port}/`],
    ['a name resolving to loopback', () => `http://localhost:${v4other.port}/`],
  ] as const;
  for (const [what, target] of redirectTargets) {
    it(`refuses a redirect from an allowed server to ${what}, before connecting`, async () => {
      // Exactly the first server (address and port) is allowed.
      const policy = fetchPolicy({ allow: `127.0.0.1:${v4.port}`, env: null });
      const before6 = v6.connections;
      const beforeOther = v4other.connections;
      const beforeV4 = v4.connections;
      const socketsBefore = sockets.count;
      const url = `${v4.origin}/to?${encodeURIComponent(target())}`;
      await refused(openHttp(url, { policy }));
      assert.equal(v4.connections, beforeV4 + 1, 'the allowed server was asked');
      assert.equal(sockets.count, socketsBefore + 1, 'only the allowed connection was made');
      assert.equal(v6.connections, before6);
      assert.equal(v4other.connections, beforeOther);
    });
  }

  it('pins connections to the vetted address: the lookup answers with it and refuses other names', async () => {
    const target = await vetUrl(
      `http://localhost:${v4.port}/`,
      fetchPolicy({ allow: 'localhost', env: null }),
    );
    assert.deepEqual(target.addresses[0], { address: '127.0.0.1', family: 4 });
    const lookup = pinnedLookup({
      hostname: 'localhost',
      addresses: [{ address: '203.0.113.9', family: 4 }],
    });
    const one = await new Promise<unknown[]>((resolve) =>
      lookup('localhost', {}, (err, address, family) => resolve([err, address, family])),
    );
    assert.deepEqual(one, [null, '203.0.113.9', 4]);
    const all = await new Promise<unknown[]>((resolve) =>
      lookup('localhost', { all: true }, (err, address) => resolve([err, address])),
    );
    assert.deepEqual(all, [null, [{ address: '203.0.113.9', family: 4 }]]);
    const other = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('evil.example', {}, (err) => resolve(err)),
    );
    assert.equal(other?.code, 'EFORBIDDEN');
  });

  it('guards Azure blob URLs the same way', async () => {
    const socketsBefore = sockets.count;
    await refused(
      openAzureBlob('https://169.254.169.254/container/blob?sv=2024-01-01&sig=abc', { policy: none }),
    );
    await refused(openAzureBlob(`http://127.0.0.1:${v4.port}/acct/c/b?sig=abc`, { policy: none }));
    assert.equal(sockets.count, socketsBefore);
  });
});
