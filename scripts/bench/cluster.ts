// Cluster benchmark: the benchmark capture end to end through a real Kafka broker into ClickHouse (chDB), with
// 1 and 2 parser processes, beside the embedded figure measured in the same run.
//
//   npm run bench -- --suite cluster [--size-mb N] [--runs N] [--parsers 1,2] [--no-pair] [--write] [--profile]
//
// Per configuration (fresh Kafka broker, fresh data directory, so nothing of a previous run is in a topic or a
// consumer group): `capstream serve writer` (geo enrichment, the store, the captures table; owns chDB),
// `serve ingest` and N × `serve parser`, each its own process, as test/cluster.test.ts runs them. A file job goes
// on capstream.jobs.v1; the run ends when the writer's /api/captures reports the capture DONE, which the writer
// says only once the store answers with every final flow the parser reported (packages/embedded/src/tracker.ts).
//
// Times (all from the same clock, one machine):
// - end to end: from the job's send to the writer's DONE (the captures row's `updated_at`, stamped when the
//   store held every final flow; the 200 ms poll of /api/captures only learns it, so it does not limit the precision);
// - last byte: the `at` of the ingest stage's final event (the one with the capture's sha256): sent after the
//   last segment holding records was acknowledged by the broker, i.e. every byte of the file read and in Kafka.
//   Read by a consumer of the events topic in a fresh group (start 'latest'), which is exact where polling
//   bytes_read would not be (progress events come every 500 ms and count bytes read, not yet sent);
// - last byte → last flow queryable = DONE − last byte; the parser's own final event splits it in two.
//
// The embedded figure: `node bin/capstream.mjs ingest FILE --data NEW_DIR`, as the parse suite's
// capstream-embedded tool runs it: process wall time (start-up included), and its pipeline time, submit → DONE
// from its captures row, which compares like for like with the cluster's (whose services are already up).
//
// By default one more configuration, "2 parsers, 2 captures": a capture's segments share one partition key (its
// id) and its flow state lives in one parser, so a second parser only helps when captures run side by side; the
// same file goes in twice, as two captures, and MB/s counts both.
//
// CPU seconds per process: utime + stime from /proc/<pid>/stat at the send and at DONE (the Kafka JVM too, and
// this process, which only consumes events and polls), and per thread name (ClickHouse's query and merge pools in
// the writer, the JVM's JIT). Peak RSS: VmHWM from /proc/<pid>/status read at DONE (a high-water mark, so one read
// at the end is exact). "Other work": the machine's busy CPU seconds (/proc/stat) less those of the measured
// processes over the same time, i.e. how noisy the shared machine was. With --runs N the runs go round by round
// (embedded, then each configuration) and the fastest of each is kept. --profile runs each service under
// --cpu-prof and prints its top self-time functions (profiles in bench-data/run/cluster-prof-*).

import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type KafkaBroker, startKafka } from '@capstream/kafka-testing';
import { type CaptureEvent, type CaptureJob, KafkaTransport, TOPICS } from '@capstream/pipeline';
import { openStore } from '@capstream/store';
import {
  argValue,
  type CaptureInfo,
  DEFAULT_DIR,
  DEFAULT_PARAMS,
  ensureCapture,
  MB,
  positiveNumber,
  REPO_ROOT,
} from './generate.ts';

const BIN = join(REPO_ROOT, 'bin/capstream.mjs');
const DOC = join(REPO_ROOT, 'docs/BENCHMARKS.md');
const START_MARK = '<!-- cluster-bench:start -->';
const END_MARK = '<!-- cluster-bench:end -->';
const POLL_MS = 200;

// ---------------------------------------------------------------------------------------------
// /proc

/** utime + stime of a live process in seconds (clock ticks of 1/100 s), or null. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores: user, nice, system, irq, softirq, steal). */
function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
}

/** CPU seconds of a process's threads by thread name (comm), e.g. ClickHouse's pools in the writer. */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Numbered pools ("QueryPipelineEx", "ThreadPool12") count as one.
      const key = name.replace(/\d+$/, '');
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The threads that used the most CPU between two threadSeconds() reads, as "name 1.2 s". */
function topThreads(before: Map<string, number>, after: Map<string, number>, top = 6): string {
  return [...after.entries()]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
}

/** VmHWM (peak resident set) of a live process in MB, or null. */
function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The Kafka JVM this process started (kafka-testing keeps its pid to itself): a child running kafka.Kafka. */
function brokerPid(): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('kafka.Kafka')) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Reads the whole file once so that every run finds it in the page cache. */
function warmCache(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(16 << 20);
  let total = 0;
  for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
    total += n;
  closeSync(fd);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Services

interface Service {
  name: string;
  child: ChildProcess;
  url: string;
  /** The tail of its stderr (JSON logs at warn), for error messages. */
  log: string;
}

/** `capstream serve ROLE --data DIR --port 0` over `brokers`; resolves on its ready line. */
async function serve(
  role: string,
  name: string,
  dataDir: string,
  brokers: string[],
  profileDir: string | null,
): Promise<Service> {
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)] : [];
  const child = spawn(process.execPath, [...prof, BIN, 'serve', role, '--data', dataDir, '--port', '0'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers.join(','),
      CAPSTREAM_LOG_LEVEL: 'warn',
      CLICKHOUSE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const svc: Service = { name, child, url: '', log: '' };
  child.stderr!.on('data', (d: Buffer) => {
    svc.log = (svc.log + d.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 90 s:\n${svc.log}`)), 90_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (svc.url) return;
      out += d.toString();
      const m = /ready on (http:\/\/\S+)/.exec(out);
      if (m) {
        svc.url = m[1];
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${svc.log}`));
    });
  });
  return svc;
}

async function stopService(svc: Service): Promise<void> {
  const c = svc.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Sum and count of a Prometheus histogram/summary, or of a counter (count 0). */
function metric(text: string, name: string): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{[^}]*\})? ([\d.e+-]+|NaN)$/.exec(line);
    if (!m) continue;
    if (m[1] === `${name}_sum` || m[1] === name) sum += Number(m[2]);
    if (m[1] === `${name}_count`) count += Number(m[2]);
  }
  return { sum, count };
}

// ---------------------------------------------------------------------------------------------
// One cluster run

interface ProcessFigures {
  name: string;
  cpuSec: number | null;
  rssMb: number | null;
  /** The busiest threads by name, CPU seconds. */
  threads: string;
}

interface ClusterRun {
  parsers: number;
  captures: number;
  /** Send → DONE of the last capture, seconds. */
  wallSec: number;
  /** Send → ingest's final event (all bytes read and in Kafka) of the last capture to finish reading. */
  lastByteSec: number;
  /** Send → the parser's final event of the last capture. */
  parsedSec: number;
  /** Send → the ingest picked the job up (its RUNNING event). */
  pickedUpSec: number;
  /** Last byte → DONE, per capture (the largest when several). */
  tailSec: number;
  /** Last byte → the parser's final event (its part of the tail). */
  parserTailSec: number;
  flows: number[];
  processes: ProcessFigures[];
  /** Per parser: segments it handled. */
  segmentsByParser: number[];
  geoBatches: number;
  geoRows: number;
  geoWriteSec: number;
  /** CPU seconds the machine spent on other work (not these processes) during the run: noise. */
  otherCpuSec: number;
}

interface Timeline {
  running?: number;
  read?: number;
  parsed?: number;
}

async function clusterRun(
  capture: CaptureInfo,
  parsers: number,
  captures: number,
  profileDir: string | null,
): Promise<ClusterRun> {
  const work = mkdtempSync(join(tmpdir(), 'capstream-bench-cluster-'));
  const dataDir = join(work, 'data');
  const label = `${parsers} parser${parsers > 1 ? 's' : ''}, ${captures} capture${captures > 1 ? 's' : ''}`;
  let kafka: KafkaBroker | null = null;
  const services: Service[] = [];
  let transport: KafkaTransport | null = null;
  try {
    kafka = await startKafka({ dataDir: join(work, 'kafka') });
    const brokers = kafka.brokers;
    const jvm = kafka.external ? null : brokerPid();
    // The writer first: it creates the topics and its groups start at the beginning of them.
    const writer = await serve('writer', 'writer', dataDir, brokers, profileDir);
    services.push(writer);
    services.push(await serve('ingest', 'ingest', dataDir, brokers, profileDir));
    for (let i = 1; i <= parsers; i++)
      services.push(await serve('parser', `parser${i}`, dataDir, brokers, profileDir));

    const stamp = `${Date.now().toString(36)}`;
    const ids = Array.from({ length: captures }, (_, i) => `bench-${stamp}-${i + 1}`);
    const timeline = new Map<string, Timeline>(ids.map((id) => [id, {}]));
    transport = new KafkaTransport({ brokers, clientId: 'capstream-bench' });
    await transport.subscribe<CaptureEvent>(
      TOPICS.events,
      `capstream-bench-${stamp}`,
      async (batch) => {
        for (const { value: e } of batch) {
          const t = timeline.get(e.captureId);
          if (!t) continue;
          const at = Date.parse(e.at);
          if (e.stage === 'ingest' && e.status === 'RUNNING') t.running = at;
          if (e.stage === 'ingest' && e.sha256 !== undefined) t.read = at;
          if (e.stage === 'parser' && (e.status === 'DONE' || e.status === 'FAILED')) t.parsed = at;
        }
      },
      { start: 'latest' },
    );

    const pids = services.map((s) => ({ name: s.name, pid: s.child.pid! }));
    if (jvm !== null) pids.push({ name: 'kafka (JVM)', pid: jvm });
    process.stderr.write(`  ${label}: ${pids.map((p) => `${p.name} pid ${p.pid}`).join(', ')}\n`);
    pids.push({ name: 'bench (events consumer)', pid: process.pid });
    const busy0 = machineBusySeconds();
    const cpu0 = pids.map((p) => cpuSeconds(p.pid));
    const threads0 = pids.map((p) => threadSeconds(p.pid));
    const now = new Date().toISOString();
    const jobs: CaptureJob[] = ids.map((id) => ({
      captureId: id,
      datasetId: 'default',
      name: `bench ${id}`,
      source: { kind: 'file', path: capture.path },
      submittedAt: now,
    }));
    const t0 = Date.now();
    await transport.send<CaptureJob>(
      TOPICS.jobs,
      jobs.map((j) => ({ key: j.captureId, value: j })),
    );

    type Row = { capture_id: string; status: string; error: string; flows: number; updated_at: string };
    const timeoutMs = Math.max(600_000, ((captures * capture.bytes) / MB / 2) * 1000);
    let rows: Row[] = [];
    let lastNote = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      for (const s of services) {
        if (s.child.exitCode !== null || s.child.signalCode !== null)
          throw new Error(`${label}: ${s.name} exited mid-run:\n${s.log}`);
      }
      rows = ((await (await fetch(`${writer.url}/api/captures`)).json()) as Row[]).filter((r) =>
        ids.includes(r.capture_id),
      );
      const done = rows.filter((r) => r.status === 'DONE' || r.status === 'FAILED');
      if (done.length === ids.length) break;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`${label}: not done after ${timeoutMs / 1000} s: ${JSON.stringify(rows)}`);
      if (Date.now() - lastNote > 10_000) {
        lastNote = Date.now();
        const t = [...timeline.values()];
        process.stderr.write(
          `  ${label}: ${((Date.now() - t0) / 1000).toFixed(0)} s, read ${t.filter((x) => x.read).length}/${ids.length}, ` +
            `parsed ${t.filter((x) => x.parsed).length}/${ids.length}, done ${done.length}/${ids.length}\n`,
        );
      }
    }
    const cpu1 = pids.map((p) => cpuSeconds(p.pid));
    const busy1 = machineBusySeconds();
    const processes = pids.map((p, i) => ({
      name: p.name,
      cpuSec: cpu0[i] !== null && cpu1[i] !== null ? cpu1[i]! - cpu0[i]! : null,
      rssMb: p.pid === process.pid ? null : peakRssMb(p.pid),
      threads: topThreads(threads0[i], threadSeconds(p.pid)),
    }));
    const ours = processes.reduce((n, p) => n + (p.cpuSec ?? 0), 0);
    for (const r of rows) {
      if (r.status !== 'DONE') throw new Error(`${label}: capture ${r.capture_id} ${r.status}: ${r.error}`);
    }
    // The events consumer may trail the writer by a fetch: give it a moment for the final ones.
    for (let i = 0; i < 50 && [...timeline.values()].some((t) => !t.read || !t.parsed); i++)
      await new Promise((r) => setTimeout(r, 100));

    const doneAt = new Map(rows.map((r) => [r.capture_id, Date.parse(r.updated_at)]));
    const tl = ids.map((id) => ({ id, ...timeline.get(id)!, done: doneAt.get(id)! }));
    for (const t of tl) {
      if (t.read === undefined || t.parsed === undefined || t.running === undefined)
        throw new Error(`${label}: the events of ${t.id} did not all arrive: ${JSON.stringify(t)}`);
    }
    const sec = (ms: number) => ms / 1000;
    const metrics = await Promise.all(services.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    const geo = metric(metrics[0], 'capstream_geo_batch_size');
    const geoWrite = metric(metrics[0], 'capstream_geo_write_seconds');
    return {
      parsers,
      captures,
      wallSec: sec(Math.max(...tl.map((t) => t.done)) - t0),
      lastByteSec: sec(Math.max(...tl.map((t) => t.read!)) - t0),
      parsedSec: sec(Math.max(...tl.map((t) => t.parsed!)) - t0),
      pickedUpSec: sec(Math.min(...tl.map((t) => t.running!)) - t0),
      tailSec: sec(Math.max(...tl.map((t) => t.done - t.read!))),
      parserTailSec: sec(Math.max(...tl.map((t) => t.parsed! - t.read!))),
      flows: ids.map((id) => rows.find((r) => r.capture_id === id)!.flows),
      processes,
      segmentsByParser: metrics.slice(2).map((m) => metric(m, 'capstream_parser_segments_total').sum),
      geoBatches: geo.count,
      geoRows: geo.sum,
      geoWriteSec: geoWrite.sum,
      otherCpuSec: Math.max(0, busy1 - busy0 - ours),
    };
  } finally {
    await transport?.close().catch(() => {});
    for (const s of services.reverse()) await stopService(s).catch(() => {});
    await kafka?.stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// --profile: each service under --cpu-prof, its top self-time functions printed after the run

interface CpuProfile {
  nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string } }[];
  startTime: number;
  endTime: number;
}

/** Top self-time functions of the .cpuprofile files under `dir`/<service>/, one table per service. */
function profileSummaries(dir: string, top = 15): string {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    for (const file of readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile'))) {
      const prof = JSON.parse(readFileSync(join(dir, name, file), 'utf8')) as CpuProfile;
      const byFn = new Map<string, number>();
      let hits = 0;
      for (const n of prof.nodes) {
        const h = n.hitCount ?? 0;
        if (h === 0) continue;
        hits += h;
        const f = n.callFrame;
        const url = f.url.startsWith('file://') ? relative(REPO_ROOT, new URL(f.url).pathname) : f.url;
        const key = `${f.functionName || '(anonymous)'}${url ? ` (${url})` : ''}`;
        byFn.set(key, (byFn.get(key) ?? 0) + h);
      }
      const ms = (prof.endTime - prof.startTime) / 1000;
      out.push(`${name} (${file}):`);
      for (const [key, h] of [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
        out.push(
          `  ${((100 * h) / hits).toFixed(1).padStart(5)}%  ${((ms * h) / hits).toFixed(0).padStart(6)} ms  ${key}`,
        );
    }
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The embedded figure

interface EmbeddedRun {
  /** Process wall time, start-up included. */
  wallSec: number;
  /** Submit → DONE from its captures row. */
  pipelineSec: number;
  flows: number;
  cpuSec: number | null;
  rssMb: number | null;
  /** The busiest threads by name (read every 100 ms; a pool's figure can drop when its threads end). */
  threads: string;
  /** CPU seconds the machine spent on other work meanwhile. */
  otherCpuSec: number;
}

async function embeddedRun(capture: CaptureInfo): Promise<EmbeddedRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'capstream-bench-e2e-'));
  try {
    const started = performance.now();
    const busy0 = machineBusySeconds();
    const child = spawn(process.execPath, [BIN, 'ingest', capture.path, '--data', dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, CAPSTREAM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    let cpu: number | null = null;
    let rss: number | null = null;
    const threads = new Map<string, number>();
    let polls = 0;
    // CPU and peak RSS can only be read while the process lives: every 10 ms, as run.ts does without GNU
    // time (threads every 100 ms).
    const poll = setInterval(() => {
      const c = cpuSeconds(child.pid!);
      const r = peakRssMb(child.pid!);
      if (c !== null) cpu = Math.max(cpu ?? 0, c);
      if (r !== null) rss = Math.max(rss ?? 0, r);
      if (polls++ % 10 === 0) {
        // Per name the highest figure read: threads that end (chDB's, at close) drop out of later reads.
        for (const [k, v] of threadSeconds(child.pid!)) threads.set(k, Math.max(threads.get(k) ?? 0, v));
      }
    }, 10);
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    });
    const wallSec = (performance.now() - started) / 1000;
    const busy = machineBusySeconds() - busy0;
    clearInterval(poll);
    const status = /^status: (\w+)/m.exec(out)?.[1];
    if (code !== 0 || status !== 'DONE')
      throw new Error(`embedded ingest ended ${code !== 0 ? `with exit ${code}` : status}:\n${err}`);
    const id = out.split('\n')[0].trim();
    // The process is gone, so its chDB directory is free to open here.
    const store = await openStore({ kind: 'chdb', path: join(dataDir, 'chdb') });
    try {
      const row = await store.captures.get(id);
      if (!row) throw new Error(`embedded: no captures row for ${id}`);
      return {
        wallSec,
        pipelineSec: (Date.parse(row.updated_at) - Date.parse(row.submitted_at)) / 1000,
        flows: row.flows,
        cpuSec: cpu,
        rssMb: rss,
        threads: topThreads(new Map(), threads),
        otherCpuSec: Math.max(0, busy - (cpu ?? 0)),
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmt(x: number, digits: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function verdict(ok: boolean): string {
  return ok ? '**met**' : '**not met**';
}

function machine(): string {
  const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  const memGb =
    Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024;
  return `${cpus().length} cores (nproc), CPU "${m?.[1].trim() ?? cpus()[0]?.model}", ${memGb.toFixed(0)} GiB RAM, Node ${process.version}`;
}

function best<T extends { wallSec: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.wallSec < a.wallSec ? b : a));
}

function report(
  capture: CaptureInfo,
  embedded: EmbeddedRun[],
  clusters: ClusterRun[][],
  opts: { runs: number; command: string; external: boolean },
): string {
  const sizeMb = capture.bytes / MB;
  const e = best(embedded);
  const lines: string[] = [];
  lines.push(`Command: \`${opts.command}\``);
  lines.push('');
  lines.push(`- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  lines.push(`- Machine: ${machine()}`);
  lines.push(
    `- Capture: \`${relative(REPO_ROOT, capture.path)}\`, ${fmt(sizeMb, 1)} MB (10^6 bytes), ${fmt(capture.packets, 0)} packets, ` +
      `${fmt(capture.flows, 0)} flows generated (\`--size-mb ${capture.params.sizeMb}\`; the parse suite's file of that size).`,
  );
  lines.push(
    `- Cluster: ${opts.external ? 'the Kafka cluster in KAFKA_BROKERS' : 'a fresh single-node KRaft broker (`@capstream/kafka-testing`, JVM -Xmx512m) per configuration and run'}, ` +
      'a fresh data directory; `capstream serve writer` (geo + chDB store + captures table), `serve ingest`, N × `serve parser`, ' +
      'one process each, `CAPSTREAM_LOG_LEVEL=warn`, no `CLICKHOUSE_URL` (chDB in the writer), default settings. ' +
      'One file job on `capstream.jobs.v1`, sent once every service is ready.',
  );
  lines.push(
    `- Method: the file is read once first (page cache warm). ${opts.runs === 1 ? 'Each configuration runs once' : `Each configuration runs ${opts.runs} times, fastest kept`}, ` +
      'one after another (round by round: embedded, then each cluster configuration). Cluster end to end = job sent → the writer’s captures row DONE (stamped when the store answers with every final flow). ' +
      'Last byte = the `at` of the ingest stage’s final event (every byte read and acknowledged by Kafka), taken from the events topic. ' +
      'MB/s = bytes of the capture(s) / end to end; embedded = its pipeline time, submit → DONE from its captures row (the process wall, start-up included, in brackets); ' +
      '“vs embedded” = MB/s ÷ the embedded pipeline MB/s. CPU = utime + stime from /proc over the run (all processes, the broker included); peak RSS = VmHWM. ' +
      'Other work = busy CPU seconds of the whole machine (/proc/stat) less those of the measured processes over the same time: other jobs on this shared machine, i.e. noise.',
  );
  lines.push('');
  lines.push(
    '| Configuration | End to end (s) | MB/s | vs embedded | Job → last byte (s) | Last byte → parsed (s) | Last byte → last flow queryable (s) | Flows | CPU (s) | Other work (CPU s) |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const eMbs = sizeMb / e.pipelineSec;
  lines.push(
    `| embedded, \`capstream ingest FILE\` | ${fmt(e.pipelineSec, 2)} (process ${fmt(e.wallSec, 2)}) | ${fmt(eMbs, 1)} (process ${fmt(sizeMb / e.wallSec, 1)}) | 100% | – | – | – | ${fmt(e.flows, 0)} | ` +
      `${e.cpuSec === null ? 'n/a' : fmt(e.cpuSec, 1)} | ${fmt(e.otherCpuSec, 1)} |`,
  );
  const name = (r: ClusterRun) =>
    `cluster, ${r.parsers} parser${r.parsers > 1 ? 's' : ''}${r.captures > 1 ? `, ${r.captures} captures at once` : ''}`;
  for (const runs of clusters) {
    const r = best(runs);
    const mbs = (r.captures * sizeMb) / r.wallSec;
    const total = r.processes.reduce((n, p) => n + (p.cpuSec ?? 0), 0);
    lines.push(
      `| ${name(r)} | ${fmt(r.wallSec, 2)} | ${fmt(mbs, 1)} | ${fmt((100 * mbs) / eMbs, 0)}% | ${fmt(r.lastByteSec, 2)} | ${fmt(r.parserTailSec, 2)} | ` +
        `${fmt(r.tailSec, 2)} | ${r.flows.map((f) => fmt(f, 0)).join(' + ')} | ${fmt(total, 1)} | ${fmt(r.otherCpuSec, 1)} |`,
    );
  }
  lines.push('');
  lines.push('CPU seconds over the run and peak RSS (MB) by process:');
  lines.push('');
  const rank = (n: string) =>
    n === 'writer' ? 0 : n === 'ingest' ? 1 : n.startsWith('parser') ? 2 : n.startsWith('kafka') ? 3 : 4;
  const procNames = [...new Set(clusters.flatMap((runs) => best(runs).processes.map((p) => p.name)))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  lines.push(`| Configuration | ${procNames.join(' | ')} |`);
  lines.push(`| --- | ${procNames.map(() => '---:').join(' | ')} |`);
  for (const runs of clusters) {
    const r = best(runs);
    const cell = (n: string) => {
      const p = r.processes.find((x) => x.name === n);
      if (!p) return '–';
      return `${p.cpuSec === null ? 'n/a' : `${fmt(p.cpuSec, 1)} s`}${p.rssMb === null ? '' : `, ${fmt(p.rssMb, 0)} MB`}`;
    };
    lines.push(`| ${name(r)} | ${procNames.map(cell).join(' | ')} |`);
  }
  lines.push('');
  const single = clusters.map(best).filter((r) => r.captures === 1);
  lines.push('Targets:');
  lines.push('');
  for (const r of single) {
    const x = e.pipelineSec / r.wallSec;
    const xp = e.wallSec / r.wallSec;
    lines.push(
      `- ${r.parsers} parser${r.parsers > 1 ? 's' : ''}: cluster end to end ÷ embedded = **${fmt(100 * x, 0)}%** of the embedded pipeline ` +
        `(${fmt(100 * xp, 0)}% of the embedded process wall, which includes its ~${fmt(e.wallSec - e.pipelineSec, 1)} s start-up) ` +
        `(target ≥ 50%): ${verdict(x >= 0.5)}; last byte → last flow queryable **${fmt(r.tailSec, 2)} s** (target ≤ 5 s): ${verdict(r.tailSec <= 5)}`,
    );
  }
  lines.push('');
  lines.push('Where the time goes (from the services’ /metrics at DONE):');
  lines.push('');
  lines.push(`- embedded: busiest threads (CPU s): ${e.threads}.`);
  for (const runs of clusters) {
    const r = best(runs);
    lines.push(
      `- ${r.parsers} parser${r.parsers > 1 ? 's' : ''}, ${r.captures} capture${r.captures > 1 ? 's' : ''}: job picked up after ${fmt(r.pickedUpSec, 2)} s; ` +
        `segments per parser ${r.segmentsByParser.map((n) => fmt(n, 0)).join(' / ')}; ` +
        `writer: ${fmt(r.geoBatches, 0)} store writes of ${fmt(r.geoRows / Math.max(1, r.geoBatches), 0)} rows on average, ` +
        `${fmt(r.geoWriteSec, 1)} s writing summed over writes (up to one per flows partition at a time); parsed at ${fmt(r.parsedSec, 2)} s. ` +
        `Busiest threads (CPU s): ${r.processes
          .filter((p) => p.threads)
          .map((p) => `${p.name}: ${p.threads}`)
          .join('; ')}.`,
    );
  }
  return lines.join('\n');
}

/** Replaces the section between the cluster-bench markers (or appends it under its own heading). */
function writeDoc(section: string): void {
  const body = `${START_MARK}\n${section}\n${END_MARK}`;
  const cur = readFileSync(DOC, 'utf8');
  const a = cur.indexOf(START_MARK);
  const b = cur.indexOf(END_MARK);
  writeFileSync(
    DOC,
    a >= 0 && b > a
      ? cur.slice(0, a) + body + cur.slice(b + END_MARK.length)
      : `${cur.trimEnd()}\n\n## Cluster end to end\n\n${body}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Main

export async function benchCluster(argv: string[]): Promise<void> {
  const sizeMb = positiveNumber(argv, '--size-mb', DEFAULT_PARAMS.sizeMb);
  const runs = Math.floor(positiveNumber(argv, '--runs', 1));
  const parserCounts = (argValue(argv, '--parsers') ?? '1,2').split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--parsers: 1 to 8, not '${s}'`);
    return n;
  });
  const configs = parserCounts.map((p) => ({ parsers: p, captures: 1 }));
  if (!argv.includes('--no-pair')) configs.push({ parsers: 2, captures: 2 });
  const capture = ensureCapture({ ...DEFAULT_PARAMS, sizeMb });
  process.stderr.write(`warming the page cache (${fmt(warmCache(capture.path) / MB, 0)} MB read)\n`);

  const profile = argv.includes('--profile');
  const embedded: EmbeddedRun[] = [];
  const clusters: ClusterRun[][] = configs.map(() => []);
  // Round by round (embedded, then each configuration), so that other work on the machine at some
  // moment weighs on every configuration alike rather than on one.
  for (let i = 0; i < runs; i++) {
    const e = await embeddedRun(capture);
    embedded.push(e);
    process.stderr.write(
      `embedded run ${i + 1}/${runs}: process ${fmt(e.wallSec, 2)} s, pipeline ${fmt(e.pipelineSec, 2)} s ` +
        `(${fmt(capture.bytes / MB / e.pipelineSec, 1)} MB/s), ${e.flows} flows; other work ${fmt(e.otherCpuSec, 1)} CPU s\n`,
    );
    for (const [k, c] of configs.entries()) {
      const profileDir = profile
        ? join(DEFAULT_DIR, 'run', `cluster-prof-${c.parsers}p${c.captures}c-${i + 1}`)
        : null;
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      const r = await clusterRun(capture, c.parsers, c.captures, profileDir);
      if (profileDir) process.stderr.write(`${profileSummaries(profileDir)}\n`);
      clusters[k].push(r);
      process.stderr.write(
        `cluster ${c.parsers} parser(s), ${c.captures} capture(s), run ${i + 1}/${runs}: ${fmt(r.wallSec, 2)} s ` +
          `(${fmt((c.captures * capture.bytes) / MB / r.wallSec, 1)} MB/s), last byte at ${fmt(r.lastByteSec, 2)} s, ` +
          `parsed at ${fmt(r.parsedSec, 2)} s, tail ${fmt(r.tailSec, 2)} s, flows ${r.flows.join(' + ')}; ` +
          `other work ${fmt(r.otherCpuSec, 1)} CPU s\n`,
      );
    }
  }

  const command = `npm run bench -- ${argv.join(' ')}`;
  const text = report(capture, embedded, clusters, {
    runs,
    command,
    external: Boolean(process.env.KAFKA_BROKERS?.trim()),
  });
  process.stdout.write(`${text}\n`);
  if (argv.includes('--write')) {
    writeDoc(text);
    process.stderr.write('wrote docs/BENCHMARKS.md\n');
  }
}
