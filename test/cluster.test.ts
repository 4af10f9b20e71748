import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { type CaptureJob, KafkaTransport, TOPICS } from '@capstream/pipeline';
import { openStore } from '@capstream/store';
import { offlineFlows } from './support/pipeline.ts';
import { logsOf, type Service, serve as serveRoles, stop } from './support/services.ts';

function serve(role: string, dataDir: string, brokers: string[], name = role): Promise<Service> {
  return serveRoles(role, { dataDir, brokers, name });
}

/** Stored rows of each capture equal the offline flows of its bytes, field by field. */
async function assertStored(dataDir: string, captures: Record<string, Uint8Array>): Promise<void> {
  const store = await openStore({ kind: 'chdb', path: join(dataDir, 'chdb') });
  try {
    for (const [id, bytes] of Object.entries(captures)) {
      const offline = await offlineFlows(bytes);
      const rows = [];
      for await (const f of store.flows.byCapture(id, { final: true })) rows.push(f);
      assert.equal(rows.length, offline.size, `flows of ${id}`);
      for (const row of rows) {
        const want = offline.get(row.flow_id);
        assert.ok(want, `${id}: stored flow ${row.flow_id} is an offline flow`);
        for (const [k, v] of Object.entries(want)) {
          assert.deepEqual((row as unknown as Record<string, unknown>)[k], v, `${id} ${row.flow_id}.${k}`);
        }
      }
    }
  } finally {
    await store.close();
  }
}

/** Publishes file jobs for the captures (written under `dir`). */
async function submit(
  brokers: string[],
  dir: string,
  captures: Record<string, Uint8Array>,
): Promise<CaptureJob[]> {
  const transport = new KafkaTransport({ brokers, clientId: 'cluster-test' });
  const jobs: CaptureJob[] = Object.entries(captures).map(([id, bytes]) => {
    const path = join(dir, `${id}.cap`);
    writeFileSync(path, bytes);
    return {
      captureId: id,
      datasetId: 'default',
      name: id,
      source: { kind: 'file', path },
      submittedAt: new Date().toISOString(),
    };
  });
  await transport.send<CaptureJob>(
    TOPICS.jobs,
    jobs.map((j) => ({ key: j.captureId, value: j })),
  );
  await transport.close();
  return jobs;
}

/** Waits until the writer reports every job DONE or FAILED; asserts DONE. */
async function allDone(writer: Service, jobs: CaptureJob[], services: Service[]): Promise<void> {
  let list: { capture_id: string; status: string; error: string }[] = [];
  for (const t0 = Date.now(); Date.now() - t0 < 120_000; ) {
    list = (await (await fetch(`${writer.url}/api/captures`)).json()) as typeof list;
    if (
      jobs.every((j) =>
        list.some((c) => c.capture_id === j.captureId && (c.status === 'DONE' || c.status === 'FAILED')),
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const j of jobs) {
    const c = list.find((x) => x.capture_id === j.captureId);
    assert.equal(c?.status, 'DONE', `${j.captureId}: ${JSON.stringify(c)}\n${logsOf(services)}`);
  }
}

describe('cluster mode: each role its own process over a real Kafka broker', () => {
  let kafka: KafkaBroker;
  const services: Service[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cs-cluster-'));
  const dataDir = join(dir, 'data');

  before(async () => {
    kafka = await startKafka();
  });

  after(async () => {
    for (const s of services) await stop(s, 'SIGKILL');
    await kafka?.stop();
  });

  it('several captures at once, three parsers, one killed with -9 mid-way: the rows equal the embedded ones', async () => {
    services.push(await serve('writer', dataDir, kafka.brokers));
    services.push(await serve('ingest', dataDir, kafka.brokers));
    for (let i = 1; i <= 3; i++) services.push(await serve('parser', dataDir, kafka.brokers, `parser${i}`));
    const captures = {
      'cl-a': samplePcap(),
      'cl-b': samplePcapng(),
      'cl-c': samplePcap({ byteOrder: 'be', resolution: 'ns' }),
    };
    const jobs = await submit(kafka.brokers, dir, captures);
    // kill -9 one parser while the captures are being read.
    await new Promise((r) => setTimeout(r, 300));
    await stop(services[2], 'SIGKILL');
    await allDone(services[0], jobs, services);
    // The writer owns chDB: stop it, then read what it stored.
    await stop(services[0]);
    await assertStored(dataDir, captures);
    // The next test starts its own group of services (same consumer groups).
    for (const s of services) await stop(s);
  });

  it('the writer killed with -9 mid-capture and restarted: no duplicates, nothing missing', async () => {
    const dataDir2 = join(dir, 'data2');
    const group = [
      await serve('writer', dataDir2, kafka.brokers, 'writer2'),
      await serve('ingest', dataDir2, kafka.brokers, 'ingest2'),
      await serve('parser', dataDir2, kafka.brokers, 'parser4'),
    ];
    services.push(...group);
    const captures = { 'cl-d': samplePcap(), 'cl-e': samplePcapng() };
    const jobs = await submit(kafka.brokers, dir, captures);
    await new Promise((r) => setTimeout(r, 1500));
    await stop(group[0], 'SIGKILL');
    const writer = await serve('writer', dataDir2, kafka.brokers, 'writer2-again');
    services.push(writer);
    await allDone(writer, jobs, services);
    await stop(writer);
    await assertStored(dataDir2, captures);
  });
});
