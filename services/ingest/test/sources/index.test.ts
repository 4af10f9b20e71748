import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  displaySourceOf,
  openSource,
  redactSource,
  SourceError,
  scrubSecrets,
  UploadStore,
  urlKind,
} from '../../src/sources/index.ts';
import { collect, startServer } from './helpers.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('openSource', () => {
  it('opens file, upload and http sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstream-open-'));
    dirs.push(dir);
    await writeFile(join(dir, 'a.pcap'), 'file bytes');
    const file = await openSource({ kind: 'file', path: join(dir, 'a.pcap') });
    assert.equal((await collect(file.stream)).toString(), 'file bytes');

    const store = await UploadStore.open(join(dir, 'uploads'));
    const { storeKey } = await store.put([Buffer.from('uploaded bytes')]);
    const up = await openSource({ kind: 'upload', storeKey }, { uploadStore: store });
    assert.equal((await collect(up.stream)).toString(), 'uploaded bytes');
    await assert.rejects(openSource({ kind: 'upload', storeKey }), { code: 'UNSUPPORTED' });

    const s = await startServer((_req, res) => res.end('http bytes'));
    try {
      const h = await openSource(
        { kind: 'http', url: `${s.origin}/x?k=v` },
        { fetch: { allow: '127.0.0.1', env: null } },
      );
      assert.equal(h.displaySource, `${s.origin}/x`);
      assert.equal((await collect(h.stream)).toString(), 'http bytes');
      await assert.rejects(openSource({ kind: 'http', url: `${s.origin}/x` }, { fetch: { env: null } }), {
        code: 'FORBIDDEN_ADDRESS',
      });
    } finally {
      await s.close();
    }
  });

  it('does not open a live stream by its description', async () => {
    await assert.rejects(openSource({ kind: 'stream', remote: '10.0.0.1:5000' }), SourceError);
  });

  it('tells Azure blob SAS URLs from other URLs', () => {
    assert.equal(
      urlKind('https://acct.blob.core.windows.net/c/b.pcap?sv=2024-01-01&se=x&sp=r&sig=abc'),
      'azure',
    );
    assert.equal(urlKind('https://acct.blob.core.windows.net/c/b.pcap'), 'http');
    assert.equal(urlKind('https://example.org/b.pcap?sig=abc'), 'http');
    assert.equal(urlKind('http://acct.blob.core.windows.net/c/b.pcap?sig=abc'), 'http');
  });

  it('never stores or shows a secret', () => {
    const url = 'https://acct.blob.core.windows.net/c/b.pcap?sv=2024&sp=r&sig=S3CR3T%2Bsig%3D';
    assert.deepEqual(redactSource({ kind: 'azure', url }), {
      kind: 'azure',
      url: 'https://acct.blob.core.windows.net/c/b.pcap',
    });
    assert.equal(
      displaySourceOf({ kind: 'http', url: 'https://u:p@h.example/x?token=1#f' }),
      'https://h.example/x',
    );
    assert.equal(displaySourceOf({ kind: 'upload', storeKey: 'up_x' }), 'upload:up_x');
    const text = `GET ${url} failed; sig=S3CR3T+sig=`;
    const scrubbed = scrubSecrets(text, ['S3CR3T%2Bsig%3D']);
    assert.doesNotMatch(scrubbed, /S3CR3T/);
    assert.match(scrubbed, /https:\/\/acct\.blob\.core\.windows\.net\/c\/b\.pcap failed/);
    assert.equal(new SourceError('NETWORK', `fetching ${url} failed`).message.includes('S3CR3T'), false);
  });
});
