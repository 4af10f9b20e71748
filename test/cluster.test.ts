import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { type CaptureJob, KafkaTransport, TOPICS } from '@capstream/pipeline';
import { openStore } from '@capstream/store';
import { offlineFlows } from './support/pipeline.ts';
import { logsOf, type Service, serve as serveRoles, stop } from './support/services.ts';

function serve(
  role: string,
  dataDir: string,
  brokers: string[],
  name = role,
  env: Record<string, string> = {},
): Promise<Service> {
  return serveRoles(role, { dataDir, brokers, name, env });
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
async function allDone(
  writer: Service,
  jobs: CaptureJob[],
  services: Service[],
  more: () => string = () => '',
): Promise<void> {
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
    assert.equal(c?.status, 'DONE', `${j.captureId}: ${JSON.stringify(c)}\n${logsOf(services)}\n${more()}`);
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

  it('the writer killed between its ClickHouse write and its offset commit: no duplicates, nothing missing', async () => {
    const dataDir2 = join(dir, 'data2');
    // The failpoint kills the writer right after its first flows write, before the commit.
    const writer = await serve('writer', dataDir2, kafka.brokers, 'writer2', {
      CAPSTREAM_FAILPOINTS: 'geo.after-write=kill@1',
    });
    const group = [
      writer,
      await serve('ingest', dataDir2, kafka.brokers, 'ingest2'),
      await serve('parser', dataDir2, kafka.brokers, 'parser4'),
    ];
    services.push(...group);
    const captures = { 'cl-d': samplePcap(), 'cl-e': samplePcapng() };
    const jobs = await submit(kafka.brokers, dir, captures);
    const [, signal] = (await once(writer.child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', `the failpoint killed the writer\n${writer.output}`);
    const again = await serve('writer', dataDir2, kafka.brokers, 'writer2-again');
    services.push(again);
    await allDone(again, jobs, services);
    await stop(again);
    await assertStored(dataDir2, captures);
    for (const s of group) await stop(s);
  });

  it('the broker stopped and restarted while a capture streams in: the rows equal the embedded ones', async () => {
    const dataDir3 = join(dir, 'data3');
    const bytes = samplePcapng();
    // Served in 20 pieces over ~3 s, so the broker goes away in the middle of the ingest.
    const files = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-length': bytes.length });
      const step = Math.ceil(bytes.length / 20);
      for (let at = 0; at < bytes.length; at += step) {
        res.write(bytes.subarray(at, at + step));
        await new Promise((r) => setTimeout(r, 150));
      }
      res.end();
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    let group: Service[] = [];
    try {
      const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/slow.pcapng`;
      group = [
        await serve('writer', dataDir3, kafka.brokers, 'writer3'),
        await serve('ingest', dataDir3, kafka.brokers, 'ingest3', { CAPSTREAM_FETCH_ALLOW: '127.0.0.1' }),
        await serve('parser', dataDir3, kafka.brokers, 'parser5'),
      ];
      services.push(...group);
      const job: CaptureJob = {
        captureId: 'cl-f',
        datasetId: 'default',
        name: 'slow',
        source: { kind: 'http', url },
        submittedAt: new Date().toISOString(),
      };
      const transport = new KafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-test' });
      await transport.send<CaptureJob>(TOPICS.jobs, [{ key: job.captureId, value: job }]);
      await transport.close();
      await new Promise((r) => setTimeout(r, 1000));
      await kafka.stop();
      // A few seconds away: kafkajs's retries may ride it out, or the ingest's job fails and is
      // read again (HandoffError, services/ingest/test/handoff.test.ts), or a parser's send fails
      // and the capture is rebuilt from the archive when its segment comes again (the parser's
      // per-capture queue once kept that failure, and failed every later segment with the same
      // stale ECONNREFUSED: test/pipeline-stages.test.ts); either way the rows are whole.
      await new Promise((r) => setTimeout(r, 3000));
      await kafka.restart();
      await allDone(
        group[0],
        [job],
        services,
        () => `--- broker ---\n${kafka.logs().split('\n').slice(-60).join('\n')}`,
      );
      await stop(group[0]);
      await assertStored(dataDir3, { 'cl-f': bytes });
    } finally {
      files.close();
      // Also when it failed: a writer left running would take flows meant for the next test's.
      for (const s of group) await stop(s).catch(() => {});
    }
  });
  it('poison messages go to the dead-letter topic; the captures go on, and the one they belonged to says what was lost', async () => {
    const dataDir4 = join(dir, 'data4');
    const group = [
      await serve('writer', dataDir4, kafka.brokers, 'writer4'),
      await serve('ingest', dataDir4, kafka.brokers, 'ingest4'),
      await serve('parser', dataDir4, kafka.brokers, 'parser6'),
    ];
    services.push(...group);
    // A segment and a flow record of capture cl-g in a format version this build cannot read.
    const raw = new KafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-test' });
    await raw.sendRaw(TOPICS.segments, [{ key: 'cl-g', value: Buffer.from([99, 0, 0, 0]) }]);
    await raw.sendRaw(TOPICS.flows, [{ key: 'cl-g/bogus', value: Buffer.from([99]) }]);
    await raw.close();
    const captures = { 'cl-g': samplePcap(), 'cl-h': samplePcapng() };
    const jobs = await submit(kafka.brokers, dir, captures);
    await allDone(group[0], jobs, services);
    let list: { capture_id: string; lost: string[] }[] = [];
    for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 250))) {
      list = (await (await fetch(`${group[0].url}/api/captures`)).json()) as typeof list;
      if ((list.find((c) => c.capture_id === 'cl-g')?.lost.length ?? 0) >= 2) break;
    }
    const lost = list.find((c) => c.capture_id === 'cl-g')?.lost ?? [];
    assert.equal(lost.length, 2, JSON.stringify(lost));
    assert.ok(
      lost.some((l) => /^a segment .*unknown version 99 .*UNKNOWN_VERSION, capstream\.segments\.v1/.test(l)),
      JSON.stringify(lost),
    );
    assert.ok(
      lost.some((l) => /^a flow record: .*unknown version 99 .*capstream\.flows\.v3/.test(l)),
      JSON.stringify(lost),
    );
    assert.deepEqual(list.find((c) => c.capture_id === 'cl-h')?.lost, []);
    await stop(group[0]);
    // The poison carried nothing of the real captures: their rows are whole.
    await assertStored(dataDir4, captures);
    for (const s of group) await stop(s);
  });
});
