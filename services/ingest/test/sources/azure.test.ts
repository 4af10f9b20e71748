// Against a real Azurite (npm `azurite`) started here, with SAS URLs made by @azure/storage-blob.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAzureBlob, parseSas } from '../../src/sources/azure.ts';
import { openSource } from '../../src/sources/index.ts';
import { SourceError } from '../../src/sources/source.ts';
import { type Azurite, startAzurite } from '../../src/sources/testing-azurite.ts';
import { collect, randomData, recordClientRequests, sha256, startCuttingProxy } from './helpers.ts';

const MiB = 1024 * 1024;

function sigOf(url: string): string {
  return new URL(url).searchParams.get('sig')!;
}

/** The signature must appear nowhere a user or a log could see it. */
function assertNoSecret(err: SourceError, url: string): void {
  const sig = sigOf(url);
  const seen = [err.message, String(err.stack), JSON.stringify(err), String(err)].join('\n');
  for (const form of [sig, encodeURIComponent(sig), decodeURIComponent(sig)]) {
    assert.ok(!seen.includes(form), `the signature leaked: ${seen}`);
  }
  assert.doesNotMatch(err.message, /sig=|\?sv=/);
}

async function failure(p: Promise<unknown>, code: string): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('azure blob source (Azurite)', () => {
  let az: Azurite;
  let policy: { allow: string; env: null };
  const small = randomData(300 * 1024 + 7);
  const big = randomData(20 * MiB + 12345);

  before(async () => {
    az = await startAzurite();
    policy = { allow: az.allowEntry, env: null };
    await az.createBlob('captures', 'small.pcap', small);
    await az.createBlob('captures', 'nested/dir/big.pcap', big);
  });
  after(async () => {
    await az?.stop();
  });

  it('reads a small blob in one stream; displaySource has no query', async () => {
    const url = az.sasUrl('captures', 'small.pcap');
    const src = await openAzureBlob(url, { policy });
    assert.equal(src.size, small.length);
    assert.equal(src.displaySource, `${az.blobEndpoint}/captures/small.pcap`);
    assert.ok(!src.displaySource.includes(sigOf(url)));
    assert.equal(sha256(await collect(src.stream)), sha256(small));
  });

  it('reads a big blob in parallel 4 MiB ranges, in order, bytes identical', async () => {
    const url = az.sasUrl('captures', 'nested/dir/big.pcap');
    const rec = recordClientRequests();
    let inFlight = 0;
    let maxInFlight = 0;
    const ranges: string[] = [];
    try {
      const src = await openAzureBlob(url, { policy, rangeSize: 4 * MiB, concurrency: 4 });
      assert.equal(src.size, big.length);
      const parts: Uint8Array[] = [];
      for await (const chunk of src.stream) {
        parts.push(chunk);
        for (const r of rec.requests.splice(0)) {
          const range = r.getHeader('x-ms-range');
          if (typeof range !== 'string') continue;
          ranges.push(range);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          r.once('response', (res) => res.once('end', () => inFlight--));
        }
      }
      assert.equal(sha256(parts), sha256(big));
      assert.ok(parts.every((p) => p.length <= 4 * MiB));
    } finally {
      rec.stop();
    }
    assert.equal(ranges.length, 6); // 20 MiB + a bit in 4 MiB ranges
    assert.equal(ranges[0], `bytes=0-${4 * MiB - 1}`);
    assert.equal(ranges[5], `bytes=${20 * MiB}-${big.length - 1}`);
    assert.ok(maxInFlight >= 2, `ranges were not read in parallel (max ${maxInFlight} at once)`);
  });

  it('an expired SAS gives SAS_EXPIRED with its expiry, and never the token', async () => {
    const expiresOn = new Date(Date.now() - 3600_000);
    const url = az.sasUrl('captures', 'small.pcap', { startsOn: new Date(Date.now() - 7200_000), expiresOn });
    const err = await failure(openAzureBlob(url, { policy }), 'SAS_EXPIRED');
    assert.match(err.message, /the SAS token has expired \(se=.*\); create a new one/);
    assert.match(err.message, new RegExp(expiresOn.toISOString().slice(0, 16)));
    assertNoSecret(err, url);
  });

  it('a tampered signature gives SAS_INVALID, and never the token', async () => {
    const good = new URL(az.sasUrl('captures', 'small.pcap'));
    const sig = good.searchParams.get('sig')!;
    good.searchParams.set('sig', `${sig.slice(0, -6)}AAAAA=`);
    const url = good.toString();
    const err = await failure(openAzureBlob(url, { policy }), 'SAS_INVALID');
    assert.match(err.message, /refused the SAS token/);
    assertNoSecret(err, url);
    assert.ok(!err.message.includes(sig.slice(0, 20)));
  });

  it('a SAS without read permission or not valid yet gives SAS_INVALID', async () => {
    const notYet = az.sasUrl('captures', 'small.pcap', { startsOn: new Date(Date.now() + 3600_000) });
    const e1 = await failure(openAzureBlob(notYet, { policy }), 'SAS_INVALID');
    assert.match(e1.message, /not valid yet/);
    assertNoSecret(e1, notYet);
    const writeOnly = az.sasUrl('captures', 'small.pcap', { permissions: 'w' });
    const e2 = await failure(openAzureBlob(writeOnly, { policy }), 'SAS_INVALID');
    assertNoSecret(e2, writeOnly);
  });

  it('a missing blob gives NOT_FOUND', async () => {
    const url = az.sasUrl('captures', 'missing.pcap');
    const err = await failure(openAzureBlob(url, { policy }), 'NOT_FOUND');
    assert.match(err.message, /does not exist/);
    assertNoSecret(err, url);
  });

  it('fails with SOURCE_CHANGED when the blob is overwritten mid-read', async () => {
    const name = 'changing.pcap';
    const data = randomData(12 * MiB);
    await az.createBlob('captures', name, data);
    const url = az.sasUrl('captures', name);
    const src = await openAzureBlob(url, { policy, rangeSize: 2 * MiB, concurrency: 1 });
    let n = 0;
    const err = await failure(
      (async () => {
        for await (const _ of src.stream) {
          if (n++ === 0) await az.createBlob('captures', name, randomData(12 * MiB));
        }
      })(),
      'SOURCE_CHANGED',
    );
    assertNoSecret(err, url);
  });

  for (const [how, opts] of [
    ['in one resumed stream', { parallelThreshold: 64 * MiB }],
    ['in resumed ranges', { rangeSize: 4 * MiB, concurrency: 2 }],
  ] as const) {
    it(`reads through a network that breaks connections, ${how}, bytes identical`, async () => {
      // The first four connections break after 1.5 MiB of answer; later ones pass everything.
      const proxy = await startCuttingProxy(az.port, (i) => (i <= 4 ? 1.5 * MiB : null));
      try {
        const url = new URL(az.sasUrl('captures', 'nested/dir/big.pcap'));
        url.port = String(proxy.port);
        const src = await openAzureBlob(url.toString(), {
          policy: { allow: '127.0.0.1', env: null },
          retry: { retryDelayInMs: 10, maxRetryDelayInMs: 50 },
          ...opts,
        });
        assert.equal(sha256(await collect(src.stream)), sha256(big));
        assert.ok(proxy.cuts >= 2, `only ${proxy.cuts} cuts`);
      } finally {
        await proxy.close();
      }
    });
  }

  it('refuses the emulator when the allow-list does not admit it, and plain http to a real blob host', async () => {
    const url = az.sasUrl('captures', 'small.pcap');
    const err = await failure(openAzureBlob(url, { policy: { env: null } }), 'FORBIDDEN_ADDRESS');
    assertNoSecret(err, url);
    await failure(
      openAzureBlob('http://acct.blob.core.windows.net/c/b?sv=1&sig=abcd', {
        policy: { allow: '0.0.0.0/0', env: null },
      }),
      'BAD_URL',
    );
    await failure(
      openAzureBlob('https://acct.blob.core.windows.net/onlycontainer?sig=abcd', { policy }),
      'BAD_URL',
    );
  });

  it('is reached through openSource as kind azure', async () => {
    const url = az.sasUrl('captures', 'small.pcap');
    const src = await openSource({ kind: 'azure', url }, { fetch: policy });
    assert.equal(sha256(await collect(src.stream)), sha256(small));
  });

  it('releases everything when the reader stops early', async () => {
    const url = az.sasUrl('captures', 'nested/dir/big.pcap');
    const src = await openAzureBlob(url, { policy, rangeSize: 4 * MiB });
    for await (const _ of src.stream) break;
    const again = await openAzureBlob(url, { policy });
    await again.close?.();
  });

  it('reads the SAS fields', () => {
    const s = parseSas(
      new URL('https://a.blob.core.windows.net/c/b?sv=2024&se=2030-01-02T03:04:05Z&sp=r&sig=x%2By'),
    );
    assert.equal(s.expiresOn?.toISOString(), '2030-01-02T03:04:05.000Z');
    assert.equal(s.permissions, 'r');
    assert.equal(s.signature, 'x+y');
    assert.equal(s.startsOn, null);
  });
});
