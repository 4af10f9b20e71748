// Parse benchmark: capstream against tshark, ndpiReader and tcpdump on the same generated capture.
//
//   npm run bench -- [--suite parse|memory|api|graphql|dashboard|cluster] [--size-mb N] [--only capstream,tshark,ndpi,tcpdump] [--runs N] [--write] [--profile]
//
// Tools: capstream, capstream-no-inspect (the same without app labelling, to show what labelling costs),
// tshark, ndpiReader (alias ndpi) and tcpdump; all of them unless --only picks some.
//
// Generates (or reuses) bench-data/capstream-bench-<N>mb-s<seed>.pcap (see generate.ts), reads it once so
// every tool finds it in the page cache, then runs each tool --runs times in rounds (best wall time kept) and prints a
// Markdown table of wall seconds, MB/s, packets/s, CPU seconds and peak RSS, with capstream's throughput ratios to tshark
// and ndpiReader. --write replaces the section between the parse-bench markers in docs/BENCHMARKS.md.
// --profile also runs capstream once under --cpu-prof and prints its top self-time functions.
//
// Peak RSS: GNU time (`/usr/bin/time -f %M`, the child's ru_maxrss from wait4) when it is installed;
// otherwise (Debian 12 does not install it by default) VmHWM polled from /proc/<pid>/status every 10 ms,
// which can miss a peak reached in the last few milliseconds. Wall time is always measured here, around spawn
// and exit.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
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

const DOC = join(REPO_ROOT, 'docs/BENCHMARKS.md');
const START_MARK = '<!-- parse-bench:start -->';
const END_MARK = '<!-- parse-bench:end -->';
const GNU_TIME = '/usr/bin/time';

export interface Tool {
  name: string;
  /** Shown in the table and the docs. */
  display: string;
  bin: string;
  args: (file: string) => string[];
  /** Where stdout goes: 'ignore' (/dev/null) or a file that check() reads. */
  stdout: 'ignore' | 'file';
  /** Confirms the run really read the capture; returns a short note, or throws. */
  check: (out: string, capture: CaptureInfo) => string;
}

const CAPSTREAM_BIN = join(REPO_ROOT, 'bin/capstream.mjs');

export const TOOLS: Tool[] = [
  {
    name: 'capstream',
    display: 'node bin/capstream.mjs flows FILE --format jsonl > /dev/null',
    bin: process.execPath,
    args: (f) => [CAPSTREAM_BIN, 'flows', f, '--format', 'jsonl'],
    stdout: 'ignore',
    check: () => 'exit 0 (flows counted in a separate run)',
  },
  {
    name: 'capstream-no-inspect',
    display: 'node bin/capstream.mjs flows FILE --format jsonl --no-inspect > /dev/null',
    bin: process.execPath,
    args: (f) => [CAPSTREAM_BIN, 'flows', f, '--format', 'jsonl', '--no-inspect'],
    stdout: 'ignore',
    check: () => 'exit 0',
  },
  {
    name: 'capstream-embedded',
    display: 'node bin/capstream.mjs ingest FILE --data NEW_DIR (file to flows stored in chDB, with geo)',
    bin: process.execPath,
    // A fresh data directory per run: the figure includes opening ClickHouse and the geo databases.
    args: (f) => [CAPSTREAM_BIN, 'ingest', f, '--data', mkdtempSync(join(tmpdir(), 'capstream-bench-e2e-'))],
    stdout: 'file',
    check: (out) => {
      const status = /^status: (\w+)/m.exec(out)?.[1];
      const flows = /flows: (\d+)/.exec(out)?.[1];
      const data = /^data: (.+)$/m.exec(out)?.[1];
      if (data) rmSync(data, { recursive: true, force: true });
      if (status !== 'DONE') throw new Error(`the embedded ingest ended ${status ?? 'without a status'}`);
      return `DONE, ${flows} flows stored`;
    },
  },
  {
    name: 'tshark',
    display: 'tshark -q -n -r FILE -z conv,tcp -z conv,udp',
    bin: 'tshark',
    args: (f) => ['-q', '-n', '-r', f, '-z', 'conv,tcp', '-z', 'conv,udp'],
    stdout: 'file',
    check: (out, cap) => {
      const { conversations, frames } = tsharkConversations(out);
      if (frames !== cap.packets)
        throw new Error(`tshark's conversations hold ${frames} frames, not ${cap.packets}`);
      return `${conversations} conversations holding all ${frames} frames`;
    },
  },
  {
    name: 'ndpiReader',
    display: 'ndpiReader -i FILE',
    bin: 'ndpiReader',
    args: (f) => ['-i', f],
    stdout: 'file',
    check: (out, cap) => {
      const m = /IP packets:\s+(\d+)\s+of\s+(\d+) packets total/.exec(out);
      const flows = /Unique flows:\s+(\d+)/.exec(out);
      if (!m || !flows) throw new Error('ndpiReader printed no traffic statistics');
      if (Number(m[2]) !== cap.packets)
        throw new Error(`ndpiReader read ${m[2]} packets, not ${cap.packets}`);
      return `${m[1]} IP packets, ${flows[1]} flows`;
    },
  },
  {
    name: 'tcpdump',
    display: 'tcpdump -r FILE -w /dev/null',
    bin: 'tcpdump',
    args: (f) => ['-r', f, '-w', '/dev/null'],
    stdout: 'ignore',
    check: () => 'exit 0',
  },
];

export interface Measurement {
  wallSec: number;
  /** User + system CPU seconds of the process (all its threads). */
  cpuSec: number | null;
  rssMb: number | null;
}

interface Result {
  tool: Tool;
  best: Measurement;
  runs: Measurement[];
  note: string;
}

// ---------------------------------------------------------------------------------------------
// Measuring one process

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** VmHWM (peak resident set) of a live process in kB, or -1. */
function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** utime + stime of a live process in seconds (clock ticks of 1/100 s on Linux), or -1. */
function cpuTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return -1;
  }
}

/** Runs bin/args with stdout to /dev/null or `outFile`; resolves with wall time, CPU time and peak RSS. */
export async function measure(
  bin: string,
  args: string[],
  outFile: string | null,
  errFile: string,
): Promise<Measurement> {
  const useTime = existsSync(GNU_TIME);
  const rssFile = `${errFile}.rss`;
  const cmd = useTime ? GNU_TIME : bin;
  const argv = useTime ? ['-f', '%M %U %S', '-o', rssFile, bin, ...args] : args;
  const out = outFile ? openSync(outFile, 'w') : 'ignore';
  const err = openSync(errFile, 'w');
  const started = performance.now();
  const child = spawn(cmd, argv, { stdio: ['ignore', out, err], cwd: REPO_ROOT });
  let hwm = -1;
  let cpu = -1;
  const poll = useTime
    ? null
    : setInterval(() => {
        if (child.pid === undefined) return;
        hwm = Math.max(hwm, vmHwm(child.pid));
        cpu = Math.max(cpu, cpuTime(child.pid));
      }, 10);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const wallSec = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (typeof out === 'number') closeSync(out);
  closeSync(err);
  if (code !== 0) {
    const tail = readFileSync(errFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new Error(`${basename(bin)} exited with ${code}:\n${tail}`);
  }
  let rssKb = hwm;
  if (useTime) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
    rssKb = rss;
    cpu = user + sys;
    rmSync(rssFile, { force: true });
  }
  return { wallSec, cpuSec: cpu >= 0 ? cpu : null, rssMb: rssKb > 0 ? rssKb / 1024 : null };
}

/**
 * " (round by round: 9.4×, 9.6×, 11.0×; median 9.6×)": the ratio of `slow` to `fast` within each
 * round, whose runs are seconds apart. The headline ratio pairs each tool's best run, which may
 * come from rounds minutes apart; the median of the rounds is the steadier reading when the
 * machine drifts, and is printed beside it (the verdict stays on the headline).
 */
function roundRatios(slow: Result, fast: Result): string {
  const ratios = fast.runs.map((m, i) => slow.runs[i].wallSec / m.wallSec);
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return ` (round by round: ${ratios.map((r) => `${fmt(r, 1)}×`).join(', ')}; median ${fmt(median, 1)}×)`;
}

/** Sums tshark's conversation tables: the number of rows and their "Total Frames" column. */
function tsharkConversations(out: string): { conversations: number; frames: number } {
  let conversations = 0;
  let frames = 0;
  for (const line of out.split('\n')) {
    const arrow = line.indexOf('<->');
    if (arrow < 0) continue;
    // addrB, frames, bytes (value and unit), frames, bytes, total frames, total bytes, start, duration
    const cols = line
      .slice(arrow + 3)
      .trim()
      .split(/\s+/);
    if (cols.length < 12) continue;
    conversations++;
    frames += Number(cols[7]);
  }
  return { conversations, frames };
}

/** Reads the whole file once so that every tool finds it in the page cache. */
export function warmCache(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(16 << 20);
  let total = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
  }
  closeSync(fd);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Profile (--profile)

interface CpuProfile {
  nodes: {
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
}

/** Top self-time functions of a .cpuprofile as Markdown rows. */
export function profileSummary(path: string, top = 10): string {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byFn = new Map<string, number>();
  let hits = 0;
  for (const n of prof.nodes) {
    const h = n.hitCount ?? 0;
    if (h === 0) continue;
    hits += h;
    const f = n.callFrame;
    const url = f.url.startsWith('file://') ? relative(REPO_ROOT, new URL(f.url).pathname) : f.url;
    // tsx serves TypeScript transpiled onto one line, so a .ts file's line numbers mean nothing
    const where = url.endsWith('.ts') ? url : url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` (${where})` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + h);
  }
  const totalMs = (prof.endTime - prof.startTime) / 1000;
  const rows = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = ['| # | self % | self ms | function (file) |', '| ---: | ---: | ---: | --- |'];
  rows.forEach(([key, h], i) => {
    lines.push(
      `| ${i + 1} | ${((100 * h) / hits).toFixed(1)} | ${((totalMs * h) / hits).toFixed(0)} | \`${key}\` |`,
    );
  });
  return lines.join('\n');
}

async function profileCapstream(file: string, dir: string): Promise<string> {
  const profDir = join(dir, 'cpuprofile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const err = join(dir, 'profile.stderr');
  const m = await measure(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', profDir, CAPSTREAM_BIN, 'flows', file, '--format', 'jsonl'],
    null,
    err,
  );
  const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!prof) throw new Error('node --cpu-prof wrote no profile');
  process.stderr.write(`profile run: ${m.wallSec.toFixed(1)} s, ${join(profDir, prof)}\n`);
  return profileSummary(join(profDir, prof));
}

// ---------------------------------------------------------------------------------------------
// Report

export function fmt(x: number, digits: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function toolVersion(bin: string, args: string[], pattern: RegExp): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  const m = pattern.exec(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  return m ? m[1] : 'unknown';
}

export function machine(): string {
  let cpu = 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    cpu = cpus()[0]?.model ?? 'unknown';
  }
  const memGb =
    Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024;
  return `${cpus().length} cores (nproc), CPU "${cpu}", ${memGb.toFixed(0)} GiB RAM, Node ${process.version}`;
}

function versions(selected: Tool[]): string {
  const parts: string[] = [];
  const has = (n: string) => selected.some((t) => t.name === n);
  if (has('tshark'))
    parts.push(`TShark ${toolVersion('tshark', ['--version'], /TShark \(Wireshark\) (\S+)/)}`);
  if (has('ndpiReader')) parts.push(`nDPI ${toolVersion('ndpiReader', ['-h'], /nDPI (\d[\w.-]*)/)}`);
  if (has('tcpdump')) parts.push(`tcpdump ${toolVersion('tcpdump', ['--version'], /tcpdump version (\S+)/)}`);
  return parts.join(', ');
}

/** A share in percent: one decimal, two below 0.1%. */
function pct(part: number, whole: number): string {
  const x = (100 * part) / whole;
  return `${fmt(x, x > 0 && x < 0.1 ? 2 : 1)}%`;
}

export function verdict(ok: boolean): string {
  return ok ? '**met**' : '**not met**';
}

interface Shape {
  capture: CaptureInfo;
  capstreamFlows: number | null;
  apps: string | null;
}

function report(
  results: Result[],
  shape: Shape,
  opts: { runs: number; command: string },
  rssMethod: string,
): string {
  const cap = shape.capture;
  const sizeMb = cap.bytes / MB;
  const lines: string[] = [];
  const duration = cap.lastSec - cap.firstSec;
  lines.push(`Command: \`${opts.command}\``);
  lines.push('');
  lines.push(`- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  lines.push(`- Machine: ${machine()}`);
  const v = versions(results.map((r) => r.tool));
  if (v) lines.push(`- Tools: ${v}`);
  lines.push(
    `- Capture: \`${relative(REPO_ROOT, cap.path)}\`, ${fmt(sizeMb, 1)} MB (10^6 bytes), ` +
      `${fmt(cap.packets, 0)} packets (${fmt((cap.bytes - 24) / cap.packets - 16, 0)} bytes per frame on average), ` +
      `${fmt(duration / 60, 1)} minutes of capture time, Ethernet, microsecond pcap; ` +
      `${shape.capstreamFlows !== null ? `${fmt(shape.capstreamFlows, 0)} flows counted by capstream (output lines), ` : ''}` +
      `${fmt(cap.flows, 0)} generated, ${pct(cap.ipv6Flows, cap.flows)} IPv6. ` +
      `Generated by \`scripts/bench/generate.ts\` (seed ${cap.params.seed}) in ${fmt(cap.generateSeconds, 1)} s.`,
  );
  const kinds = Object.entries(cap.flowsByKind)
    .map(([k, n]) => `${k} ${pct(n, cap.flows)}`)
    .join(', ');
  lines.push(`- Generated flow mix: ${kinds}.`);
  if (shape.apps) lines.push(`- capstream's app labels: ${shape.apps}.`);
  lines.push(
    `- Method: the file is read once first (page cache warm); each tool runs ${opts.runs === 1 ? 'once' : `${opts.runs} times, best wall time kept`}, ` +
      `${opts.runs === 1 ? 'one after another' : 'in rounds (every tool once a round, so that the machine’s drift over the minutes of a run falls on all of them alike)'}. ` +
      `MB/s = file size / wall time; packets/s = packets / wall time. Peak RSS: ${rssMethod}.`,
  );
  lines.push('');
  lines.push('| Tool | Command | Wall (s) | MB/s | packets/s | CPU (s) | Peak RSS (MB) | Checked |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    const w = r.best.wallSec;
    lines.push(
      `| ${r.tool.name} | \`${r.tool.display}\` | ${fmt(w, 2)} | ${fmt(sizeMb / w, 1)} | ${fmt(cap.packets / w, 0)} | ` +
        `${r.best.cpuSec === null ? 'n/a' : fmt(r.best.cpuSec, 2)} | ${r.best.rssMb === null ? 'n/a' : fmt(r.best.rssMb, 0)} | ${r.note} |`,
    );
  }
  lines.push('');
  lines.push(
    '- Wall time includes process start-up: for capstream, Node loading the CLI’s esbuild bundle of its ' +
      'TypeScript sources (built before the runs, see README), about 0.2 s. capstream’s CPU time can exceed its ' +
      'wall time: V8’s garbage collector has helper threads; the parse itself runs on one thread.',
  );
  lines.push(
    '- tshark’s stdout (the conversation tables) goes to a file that the check parses; ndpiReader runs without ' +
      '`-q`, which would print nothing at all (no proof it read the file): its ~5 KB summary goes to a file and ' +
      'costs no measurable time (12.06 s with `-q`, 12.20 s without, on the 1,000 MB capture).',
  );
  const get = (n: string) => results.find((r) => r.tool.name === n);
  const cs = get('capstream');
  const ts = get('tshark');
  const nd = get('ndpiReader');
  if (cs) {
    lines.push('');
    lines.push('Targets (capstream’s parse on one thread; every tool unpinned, free to use both cores):');
    lines.push('');
    if (ts) {
      const x = ts.best.wallSec / cs.best.wallSec;
      const rounds = cs.runs.length > 1 && ts.runs.length === cs.runs.length ? roundRatios(ts, cs) : '';
      lines.push(
        `- capstream MB/s ÷ tshark MB/s = **${fmt(x, 2)}×**${rounds} (target ≥ 10×): ${verdict(x >= 10)}`,
      );
    }
    if (nd) {
      const x = nd.best.wallSec / cs.best.wallSec;
      lines.push(
        `- capstream MB/s ÷ ndpiReader MB/s = **${fmt(x, 2)}×** (target ≥ 1×, aim 1.5×): ${verdict(x >= 1)}` +
          `${x >= 1 ? (x >= 1.5 ? ', aim met' : ', aim (1.5×) not met') : ''}`,
      );
    }
    const e2e = get('capstream-embedded');
    if (e2e) {
      const x = cs.best.wallSec / e2e.best.wallSec;
      const rss = Math.max(...e2e.runs.map((m) => m.rssMb ?? 0));
      lines.push(
        `- embedded end to end (file → flows stored in chDB) ÷ parse only = **${fmt(100 * x, 0)}%** ` +
          `(target ≥ 60%): ${verdict(x >= 0.6)}; its peak RSS ${fmt(rss, 0)} MB`,
      );
    }
    if (cs.best.rssMb !== null) {
      const rss = Math.max(...cs.runs.map((m) => m.rssMb ?? 0));
      lines.push(
        `- capstream peak RSS ${fmt(rss, 0)} MB, highest of its runs (target < 400 MB): ${verdict(rss < 400)}`,
      );
    }
  }
  return lines.join('\n');
}

function writeDoc(section: string): void {
  const body = `${START_MARK}\n${section}\n${END_MARK}`;
  let doc: string;
  if (existsSync(DOC)) {
    const cur = readFileSync(DOC, 'utf8');
    const a = cur.indexOf(START_MARK);
    const b = cur.indexOf(END_MARK);
    if (a >= 0 && b > a) doc = cur.slice(0, a) + body + cur.slice(b + END_MARK.length);
    else doc = `${cur.trimEnd()}\n\n## Parse throughput\n\n${body}\n`;
  } else {
    doc =
      '# Benchmarks\n\n' +
      'Measured figures, regenerated by the scripts that produce them. Each section sits between its own markers ' +
      'and is replaced whole by its script; text outside the markers is kept.\n\n' +
      '## Parse throughput\n\n' +
      'How fast capstream turns a capture into flows compared with tshark, ndpiReader and tcpdump, all reading the ' +
      'same generated capture (`scripts/bench/`, `npm run bench`).\n\n' +
      `${body}\n`;
  }
  writeFileSync(DOC, doc);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(argv: string[]): Promise<void> {
  // Other suites: the API's query latencies (api.ts), the dashboard in a browser (dashboard.ts), the
  // cluster over a real Kafka broker end to end (cluster.ts).
  const suite = argValue(argv, '--suite') ?? 'parse';
  if (suite === 'api') return (await import('./api.ts')).benchApi(argv);
  if (suite === 'graphql') return (await import('./graphql-servers.ts')).benchGraphqlServers(argv);
  if (suite === 'dashboard') return (await import('./dashboard.ts')).benchDashboardSuite(argv);
  if (suite === 'cluster') return (await import('./cluster.ts')).benchCluster(argv);
  if (suite === 'memory') return (await import('./memory.ts')).benchMemory(argv);
  if (suite !== 'parse')
    throw new Error(`--suite: parse, memory, api, graphql, dashboard or cluster, not '${suite}'`);
  const sizeMb = positiveNumber(argv, '--size-mb', DEFAULT_PARAMS.sizeMb);
  const runs = Math.floor(positiveNumber(argv, '--runs', 1));
  const only = argValue(argv, '--only');
  const write = argv.includes('--write');
  const profile = argv.includes('--profile');
  const aliases: Record<string, string> = { ndpi: 'ndpiReader', ndpireader: 'ndpiReader' };
  const wanted = only?.split(',').map((s) => aliases[s.trim().toLowerCase()] ?? s.trim());
  for (const w of wanted ?? []) {
    if (!TOOLS.some((t) => t.name === w))
      throw new Error(`--only: unknown tool '${w}' (${TOOLS.map((t) => t.name).join(', ')})`);
  }
  let selected = TOOLS.filter((t) => !wanted || wanted.includes(t.name));

  // The reference tools come from Debian packages; the project's setup script installs any that are missing.
  const missing = selected.filter((t) => t.bin !== process.execPath && !hasCommand(t.bin));
  if (missing.length > 0) {
    process.stderr.write(
      `missing ${missing.map((t) => t.bin).join(', ')}: running scripts/setup-test-deps.sh\n`,
    );
    spawnSync('bash', [join(REPO_ROOT, 'scripts/setup-test-deps.sh')], { stdio: 'inherit' });
    const still = selected.filter((t) => t.bin !== process.execPath && !hasCommand(t.bin));
    for (const t of still) process.stderr.write(`skipping ${t.name}: ${t.bin} is not installed\n`);
    selected = selected.filter((t) => !still.includes(t));
  }

  const capture = ensureCapture({ ...DEFAULT_PARAMS, sizeMb });
  const work = join(DEFAULT_DIR, 'run');
  mkdirSync(work, { recursive: true });
  process.stderr.write(`warming the page cache (${fmt(warmCache(capture.path) / MB, 0)} MB read)\n`);
  if (selected.some((t) => t.bin === process.execPath)) {
    // The CLI's bundle is built on the first start after a source changed: not part of a run.
    execFileSync(process.execPath, [CAPSTREAM_BIN, '--version'], { stdio: 'ignore' });
  }
  const rssMethod = existsSync(GNU_TIME)
    ? 'GNU time `%M` (the process’s ru_maxrss); CPU = GNU time `%U` + `%S`'
    : 'VmHWM polled from /proc/<pid>/status every 10 ms; CPU = utime + stime from /proc/<pid>/stat, same polling';

  // In rounds, every tool once a round: this machine's speed drifts by up to a quarter within the
  // minutes a run takes, and tools measured one block after another then compare across it.
  const measured = selected.map((tool) => ({ tool, ms: [] as Measurement[], note: '' }));
  for (let i = 0; i < runs; i++) {
    for (const t of measured) {
      const { tool } = t;
      const outFile = tool.stdout === 'file' ? join(work, `${tool.name}.stdout`) : null;
      const m = await measure(tool.bin, tool.args(capture.path), outFile, join(work, `${tool.name}.stderr`));
      t.note = tool.check(outFile ? readFileSync(outFile, 'utf8') : '', capture);
      t.ms.push(m);
      process.stderr.write(
        `${tool.name} run ${i + 1}/${runs}: ${fmt(m.wallSec, 2)} s, ${fmt(capture.bytes / MB / m.wallSec, 1)} MB/s, ` +
          `peak RSS ${m.rssMb === null ? 'n/a' : `${fmt(m.rssMb, 0)} MB`}\n`,
      );
    }
  }
  const results: Result[] = measured.map(({ tool, ms, note }) => ({
    tool,
    best: ms.reduce((a, b) => (b.wallSec < a.wallSec ? b : a)),
    runs: ms,
    note,
  }));

  // Flow count and labels from one more (untimed) capstream run whose output is kept.
  let capstreamFlows: number | null = null;
  let apps: string | null = null;
  if (selected.some((t) => t.name === 'capstream')) {
    const flowsFile = join(work, 'capstream-flows.jsonl');
    await measure(
      process.execPath,
      [CAPSTREAM_BIN, 'flows', capture.path, '--format', 'jsonl'],
      flowsFile,
      join(work, 'count.stderr'),
    );
    const counts = new Map<string, number>();
    capstreamFlows = 0;
    // Line by line: for a capture of a few GB the output is past the longest string V8 makes.
    for await (const line of createInterface({ input: createReadStream(flowsFile), crlfDelay: Infinity })) {
      if (!line) continue;
      capstreamFlows++;
      const app = (JSON.parse(line) as { app: string }).app;
      counts.set(app, (counts.get(app) ?? 0) + 1);
    }
    apps = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([a, n]) => `${a} ${pct(n, capstreamFlows ?? 1)}`)
      .join(', ');
    rmSync(flowsFile, { force: true });
  }

  const shown = argv.filter((a) => a !== '--profile');
  const command = shown.length > 0 ? `npm run bench -- ${shown.join(' ')}` : 'npm run bench';
  const text = report(results, { capture, capstreamFlows, apps }, { runs, command }, rssMethod);
  process.stdout.write(`${text}\n`);
  if (profile) {
    process.stdout.write(
      `\ncapstream CPU profile, top self time:\n\n${await profileCapstream(capture.path, work)}\n`,
    );
  }
  if (write) {
    writeDoc(text);
    process.stderr.write(`wrote ${relative(REPO_ROOT, DOC)}\n`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
