import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { type Embedded, startEmbedded } from '@capstream/embedded';
import { listenPcapOverIp } from '@capstream/ingest/sources';
import { type Azurite, startAzurite } from '@capstream/ingest/sources/testing-azurite';
import type { EnrichedFlow } from '@capstream/pipeline';
import { capstream, jsonLines } from './support/cli.ts';
import { offlineFlows, waitFor } from './support/pipeline.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-embedded-'));
const samplePath = join(dir, 'sample.pcap');
const sample = samplePcap();
writeFileSync(samplePath, sample);

async function stored(app: Embedded, captureId: string): Promise<EnrichedFlow[]> {
  const rows: EnrichedFlow[] = [];
  for await (const f of app.store.flows.byCapture(captureId, { final: true })) rows.push(f);
  return rows;
}

/** Stored rows must be the offline flows of the same bytes, field for field. */
async function assertSameAsOffline(app: Embedded, captureId: string, bytes: Uint8Array) {
  const offline = await offlineFlows(bytes);
  const rows = await stored(app, captureId);
  assert.equal(rows.length, offline.size, 'one stored row per offline flow');
  for (const row of rows) {
    const want = offline.get(row.flow_id);
    assert.ok(want, `stored flow ${row.flow_id} is an offline flow`);
    for (const [k, v] of Object.entries(want))
      assert.deepEqual((row as unknown as Record<string, unknown>)[k], v, `${row.flow_id}.${k}`);
  }
  return rows;
}

describe('the embedded pipeline into chDB', () => {
  let app: Embedded;
  let azurite: Azurite;
  const env: NodeJS.ProcessEnv = { ...process.env };

  before(async () => {
    azurite = await startAzurite();
    env.CAPSTREAM_FETCH_ALLOW = `127.0.0.1,${azurite.allowEntry}`;
    delete env.CLICKHOUSE_URL;
    app = await startEmbedded({ dataDir: join(dir, 'data'), env, segmentBytes: 4096, liveFlushMs: 300 });
  });

  after(async () => {
    await app?.stop();
    await azurite?.stop();
  });

  it('stores a local file: rows equal the offline flows, with geo for both ends', async () => {
    const q = await app.submit({ source: samplePath });
    const done = await app.tracker.finished(q.capture_id);
    assert.equal(done.status, 'DONE', done.error);
    const rows = await assertSameAsOffline(app, q.capture_id, sample);
    assert.equal(done.flows, rows.length);
    const google = rows.find((r) => r.dst_ip === '8.8.8.8')!;
    assert.deepEqual(
      [google.dst_country, google.dst_asn, google.src_scope, google.src_country],
      ['US', 15169, 'private', null],
    );
    const cloudflare = rows.find((r) => r.dst_ip === '1.1.1.1')!;
    assert.equal(cloudflare.dst_asn, 13335);
    const doc = rows.find((r) => r.dst_ip === '198.51.100.53')!;
    assert.deepEqual([doc.dst_scope, doc.dst_country, doc.dst_asn], ['documentation', null, null]);
    const stored = await app.store.captures.get(q.capture_id);
    assert.equal(stored?.status, 'DONE');
    assert.equal(stored?.source, samplePath);
    assert.equal(stored?.format, 'pcap');
    assert.match(stored?.sha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it('`capstream export` prints what `capstream flows` computes, plus geo and capture id', async () => {
    const q = await app.submit({ source: samplePath, name: 'for export' });
    await app.tracker.finished(q.capture_id);
    // The CLI opens the same chDB directory: this process must let go of it first.
    const dataDir = app.dataDir;
    await app.stop();
    try {
      const exported = jsonLines(
        (await capstream(['export', '--data', dataDir, '--capture', q.capture_id])).stdout,
      );
      const flows = jsonLines((await capstream(['flows', samplePath])).stdout);
      assert.equal(exported.length, flows.length);
      const byId = new Map(exported.map((e) => [e.flow_id, e]));
      for (const f of flows) {
        const e = byId.get(f.flow_id as string)!;
        for (const [k, v] of Object.entries(f)) assert.deepEqual(e[k], v, k);
        assert.equal(e.capture_id, q.capture_id);
        assert.ok('src_country' in e && 'dst_as_org' in e && 'dst_lat' in e);
      }
      const list = (await capstream(['captures', '--data', dataDir])).stdout;
      assert.match(list, new RegExp(`${q.capture_id}\\s+DONE`));
    } finally {
      app = await startEmbedded({ dataDir, env, segmentBytes: 4096, liveFlushMs: 300 });
    }
  });

  it('stores an upload (gzip-wrapped pcapng)', async () => {
    const bytes = gzipSync(samplePcapng());
    const put = await app.uploads.put(Readable.from([bytes]));
    const q = await app.submit({ source: { kind: 'upload', storeKey: put.storeKey }, name: 'upload' });
    const done = await app.tracker.finished(q.capture_id);
    assert.equal(done.status, 'DONE', done.error);
    assert.equal(done.format, 'pcapng+gzip');
    await assertSameAsOffline(app, q.capture_id, samplePcapng());
  });

  describe('over HTTP', () => {
    let server: Server;
    let base = '';
    let drops = 0;
    before(async () => {
      server = createServer((req, res) => {
        const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        const body = sample.subarray(start);
        res.setHeader('accept-ranges', 'bytes');
        if (range) {
          res.statusCode = 206;
          res.setHeader('content-range', `bytes ${start}-${sample.length - 1}/${sample.length}`);
        }
        res.setHeader('content-length', body.length);
        if (req.url?.startsWith('/flaky.pcap') && drops === 0) {
          // The first answer breaks half-way: the reader must resume with a range request.
          drops++;
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
          return;
        }
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('resumes a dropped download and stores the same rows', async () => {
      const q = await app.submit({ source: `${base}/flaky.pcap?token=secret-value` });
      const done = await app.tracker.finished(q.capture_id);
      assert.equal(done.status, 'DONE', done.error);
      assert.equal(drops, 1);
      assert.equal(done.source, `${base}/flaky.pcap`, 'the stored source has no query string');
      await assertSameAsOffline(app, q.capture_id, sample);
    });

    it('refuses forbidden addresses before connecting, with a clear status', async () => {
      for (const url of [
        'http://169.254.169.254/latest/meta-data',
        'http://10.0.0.1/x.pcap',
        'http://[::1]:9/x.pcap',
      ]) {
        const q = await app.submit({ source: url });
        const done = await app.tracker.finished(q.capture_id);
        assert.equal(done.status, 'FAILED', url);
        assert.match(done.error, /not allowed|forbidden|refus/i, url);
      }
    });
  });

  describe('from Azure Blob Storage (Azurite)', () => {
    it('reads a blob through a SAS URL; the token is never stored or shown', async () => {
      await azurite.createBlob('captures', 'vm1/packet.cap', sample);
      const url = azurite.sasUrl('captures', 'vm1/packet.cap');
      const sig = new URL(url).searchParams.get('sig')!;
      const q = await app.submit({ source: url });
      const done = await app.tracker.finished(q.capture_id);
      assert.equal(done.status, 'DONE', done.error);
      assert.ok(!done.source.includes('sig=') && !done.source.includes(sig));
      await assertSameAsOffline(app, q.capture_id, sample);
    });

    it('says an expired SAS has expired, and a tampered one is invalid', async () => {
      await azurite.createBlob('captures', 'vm2/packet.cap', sample);
      const expired = azurite.sasUrl('captures', 'vm2/packet.cap', {
        expiresOn: new Date(Date.now() - 3600_000),
        startsOn: new Date(Date.now() - 7200_000),
      });
      const good = new URL(azurite.sasUrl('captures', 'vm2/packet.cap'));
      good.searchParams.set('sig', `${good.searchParams.get('sig')!.slice(0, -4)}AAA=`);
      for (const [url, pattern] of [
        [expired, /expired/i],
        [good.toString(), /SAS|signature|authori[sz]/i],
      ] as const) {
        const q = await app.submit({ source: url });
        const done = await app.tracker.finished(q.capture_id);
        assert.equal(done.status, 'FAILED');
        assert.match(done.error, pattern);
        const sig = new URL(url).searchParams.get('sig')!;
        assert.ok(!done.error.includes(sig) && !done.source.includes(sig), 'no SAS in the error or source');
      }
    });
  });

  it('shows a live pcap-over-IP stream while it is open, then stores exactly its flows', async () => {
    const listener = await listenPcapOverIp({
      host: '127.0.0.1',
      port: 0,
      onConnection: (live) =>
        void app.submitStream(
          { displaySource: live.displaySource, size: null, stream: live.stream },
          { name: 'live' },
        ),
    });
    try {
      const socket = connect(listener.port, '127.0.0.1');
      await new Promise<void>((r) => socket.once('connect', () => r()));
      const half = Math.floor(sample.length / 2);
      socket.write(sample.subarray(0, half));
      let captureId = '';
      await waitFor(() => {
        captureId = app.tracker.all().find((s) => s.name === 'live')?.capture_id ?? '';
        return captureId !== '';
      });
      // Flows of the open stream become readable (active-flow flushes), before it closes.
      await waitFor(() => app.tracker.get(captureId)?.status === 'RUNNING');
      let before = 0;
      for (let i = 0; i < 100 && before === 0; i++) {
        before = await app.store.flows.count(captureId);
        if (before === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(before > 0, 'flows stored while the stream is open');
      assert.equal(app.tracker.get(captureId)!.status, 'RUNNING');
      socket.end(sample.subarray(half));
      const done = await app.tracker.finished(captureId);
      assert.equal(done.status, 'DONE', done.error);
      await assertSameAsOffline(app, captureId, sample);
    } finally {
      await listener.close();
    }
  });

  it('fails a corrupt capture alone; the captures beside it are unaffected', async () => {
    const corrupt = sample.slice();
    new DataView(corrupt.buffer).setUint32(24 + 8, 0x7fffffff, true);
    const corruptPath = join(dir, 'corrupt.pcap');
    writeFileSync(corruptPath, corrupt);
    const [bad, good] = await Promise.all([
      app.submit({ source: corruptPath }),
      app.submit({ source: samplePath }),
    ]);
    const [b, g] = await Promise.all([
      app.tracker.finished(bad.capture_id),
      app.tracker.finished(good.capture_id),
    ]);
    assert.equal(b.status, 'FAILED');
    assert.match(b.error, /malformed at byte 24: packet record claims/);
    assert.equal(g.status, 'DONE');
    await assertSameAsOffline(app, g.capture_id, sample);
  });
});
