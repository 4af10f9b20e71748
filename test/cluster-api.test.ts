// The API in cluster mode on a real Kafka broker: `serve ingest`, `serve parser` and
// `serve writer,api` (one process owns chDB, so the API shares the writer's store; it still
// follows the captures through consumer groups of its own). Captures are submitted by URL, by a
// resumable (tus) upload and as a live pcap-over-IP stream through the API; their progress is
// watched over graphql-ws to DONE and the stored flows are checked against the offline ones.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { samplePcapng } from '@capstream/core/testing';
import { type CaptureState, CaptureTracker, followCaptures } from '@capstream/embedded';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { KafkaTransport } from '@capstream/pipeline';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { offlineFlows, waitFor } from './support/pipeline.ts';
import { logsOf, type Service, serve, stop } from './support/services.ts';

const ADMIN = 'cluster-admin-token-0123456789';
const SAMPLE = samplePcapng();

interface CaptureView {
  id: string;
  name: string;
  source: string;
  status: string;
  progress: { flows: number; packets: number };
}

describe('the API as its own service over a real Kafka broker', () => {
  let kafka: KafkaBroker;
  let files: Server;
  let fileUrl: string;
  let api: Service;
  let ws: Client;
  let offline: number;
  const services: Service[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cs-cluster-api-'));
  const dataDir = join(dir, 'data');

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  }

  /** The capture's states over a graphql-ws subscription, until DONE or FAILED. */
  function progressUntilEnd(id: string): Promise<CaptureView[]> {
    const seen: CaptureView[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id}: no end in 90 s; saw ${JSON.stringify(seen)}\n${logsOf(services)}`)),
        90_000,
      );
      const unsubscribe = ws.subscribe<{ captureProgress: CaptureView }>(
        {
          query:
            'subscription($id: ID!) { captureProgress(id: $id) { id name source status progress { flows packets } } }',
          variables: { id },
        },
        {
          next: (m) => {
            if (m.errors) return reject(new Error(JSON.stringify(m.errors)));
            const c = m.data!.captureProgress;
            seen.push(c);
            if (c.status === 'DONE' || c.status === 'FAILED') {
              clearTimeout(timer);
              unsubscribe();
              resolve(seen);
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
  }

  async function storedFlows(id: string): Promise<number> {
    const d = await gql<{ overview: { flows: number } }>(
      'query($f: FlowFilter) { overview(filter: $f) { flows } }',
      { f: { captureIds: [id] } },
    );
    return d.overview.flows;
  }

  before(async () => {
    kafka = await startKafka();
    files = createServer((_req, res) => res.end(Buffer.from(SAMPLE)));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    fileUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/captures/sample.pcapng`;
    offline = (await offlineFlows(SAMPLE)).size;
    const opts = { dataDir, brokers: kafka.brokers };
    // The writer (with the API) first: it owns chDB and creates the schema.
    api = await serve('writer,api', { ...opts, env: { CAPSTREAM_ADMIN_TOKEN: ADMIN } });
    services.push(api);
    services.push(await serve('ingest', { ...opts, env: { CAPSTREAM_FETCH_ALLOW: '127.0.0.1' } }));
    services.push(await serve('parser', opts));
    ws = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${ADMIN}` },
    });
  });

  after(async () => {
    await ws?.dispose();
    for (const s of services) await stop(s, 'SIGKILL');
    await kafka?.stop();
    files?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a URL capture: progress over graphql-ws to DONE, flowsLanded ticks, overview equals the offline flows', async () => {
    // Another API instance would follow the captures as this observer does: groups of its own.
    const transport = new KafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-api-test' });
    const observer = new CaptureTracker({ persist: async () => {}, storedFlows: async () => Infinity });
    const observed = await followCaptures(transport, observer, {
      jobsGroup: 'capstream-api-test-observer-jobs',
      eventsGroup: 'capstream-api-test-observer-events',
      deadLettersGroup: 'capstream-api-test-observer-dead-letters',
      observer: true,
    });
    const ticks: { captureId: string; flows: number }[] = [];
    const stopTicks = ws.subscribe<{ flowsLanded: { captureId: string; flows: number } }>(
      { query: 'subscription { flowsLanded { captureId flows } }' },
      { next: (m) => void (m.data && ticks.push(m.data.flowsLanded)), error: () => {}, complete: () => {} },
    );
    try {
      const { submitCapture } = await gql<{ submitCapture: { id: string; status: string } }>(
        'mutation($url: String!) { submitCapture(input: { url: $url, name: "by url" }) { id status } }',
        { url: fileUrl },
      );
      assert.equal(submitCapture.status, 'QUEUED');
      const seen = await progressUntilEnd(submitCapture.id);
      const done = seen[seen.length - 1];
      assert.equal(done.status, 'DONE', JSON.stringify(seen));
      assert.equal(done.name, 'by url');
      assert.equal(done.progress.flows, offline);
      assert.equal(done.progress.packets, 1014);
      assert.ok(seen.length >= 2, 'a state before the end too');
      // DONE is reported once the store holds every flow: the query sees them all at once.
      assert.equal(await storedFlows(submitCapture.id), offline);
      await waitFor(
        () => ticks.some((t) => t.captureId === submitCapture.id && t.flows === offline),
        10_000,
        'the last flowsLanded tick',
      );
      await waitFor(
        () => observer.get(submitCapture.id)?.status === 'DONE',
        10_000,
        'the other instance to see DONE',
      );
      const other = observer.get(submitCapture.id) as CaptureState;
      assert.equal(other.name, 'by url');
      assert.equal(other.flows, offline);
    } finally {
      stopTicks();
      for (const s of observed) await s.close();
      await transport.close();
    }
  });

  it('a tus upload becomes a capture that reaches DONE', async () => {
    const headers = { authorization: `Bearer ${ADMIN}`, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${api.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...headers,
        'upload-length': String(SAMPLE.length),
        'upload-metadata': `filename ${Buffer.from('uploaded.pcapng').toString('base64')}`,
      },
    });
    assert.equal(created.status, 201);
    const patched = await fetch(new URL(created.headers.get('location')!, api.url), {
      method: 'PATCH',
      headers: { ...headers, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: SAMPLE,
    });
    assert.equal(patched.status, 204);
    const id = patched.headers.get('capstream-capture-id');
    assert.ok(id);
    const seen = await progressUntilEnd(id);
    const done = seen[seen.length - 1];
    assert.equal(done.status, 'DONE', JSON.stringify(seen));
    assert.equal(done.name, 'uploaded.pcapng');
    assert.equal(done.progress.flows, offline);
    assert.equal(await storedFlows(id), offline);
  });

  it('a live pcap-over-IP stream into a listener the API opened goes through Kafka like any capture', async () => {
    const { openLiveListener } = await gql<{ openLiveListener: { id: string; port: number } }>(
      'mutation { openLiveListener(datasetId: "default") { id port } }',
    );
    const socket = connect(openLiveListener.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.end(Buffer.from(SAMPLE), () => resolve());
    });
    let live: CaptureView | undefined;
    for (const t0 = Date.now(); !live && Date.now() - t0 < 30_000; ) {
      const { captures } = await gql<{ captures: CaptureView[] }>(
        '{ captures { id name source status progress { flows packets } } }',
      );
      live = captures.find((c) => c.source.startsWith('tcp://127.0.0.1:'));
      if (!live) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(live, `no live capture listed\n${logsOf(services)}`);
    const seen = await progressUntilEnd(live.id);
    const done = seen[seen.length - 1];
    assert.equal(done.status, 'DONE', JSON.stringify(seen));
    assert.match(done.name, /^live 127\.0\.0\.1:\d+$/);
    assert.match(done.source, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(done.progress.flows, offline);
    assert.equal(await storedFlows(live.id), offline);
    const closed = await gql<{ closeLiveListener: boolean }>(
      'mutation($id: ID!) { closeLiveListener(id: $id) }',
      { id: openLiveListener.id },
    );
    assert.equal(closed.closeLiveListener, true);
  });

  it("each service stops cleanly on SIGTERM, within the Deployments' 30 s grace period", async () => {
    for (const s of [...services].reverse()) {
      const t0 = Date.now();
      await stop(s);
      assert.equal(s.child.exitCode, 0, `${s.name}: ${s.output.slice(-2000)}`);
      assert.ok(Date.now() - t0 < 30_000, `${s.name} took ${Date.now() - t0} ms to stop`);
    }
  });
});
