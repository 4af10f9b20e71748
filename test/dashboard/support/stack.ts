// The embedded stack as a user starts it (`capstream up`), for the browser tests and the benchmark:
// the dashboard is built first (skipped when up to date), then the link the command prints is read.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

/** Builds apps/dashboard/out when its sources changed (scripts/build-dashboard.mjs). */
export function buildDashboard(): void {
  const res = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-dashboard.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`dashboard build failed:\n${res.stdout}\n${res.stderr}`);
}

export interface Stack {
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  /** The link `capstream up` prints: origin + /#token=... */
  link: string;
  dataDir: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const LINK = /(http:\/\/127\.0\.0\.1:(\d+))\/#token=([^\s]+)/;

/** Starts `capstream up` on free ports (in a fresh data directory unless given one) and waits for its dashboard link. */
export async function startStack(
  opts: { sample?: boolean; timeoutMs?: number; dataDir?: string } = {},
): Promise<Stack> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-dashboard-'));
  const args = ['bin/capstream.mjs', 'up', '--data', dataDir, '--port', '0', '--pcap-port', '0'];
  if (!opts.sample) args.push('--no-sample');
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, CAPSTREAM_ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const found = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`capstream up printed no dashboard link in time:\n${out}`)),
      opts.timeoutMs ?? 180_000,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = LINK.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`capstream up exited (${code}) before printing its link:\n${out}`));
    });
  });
  return {
    origin: found[1],
    token: decodeURIComponent(found[3]),
    link: found[0],
    dataDir,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      // Only a directory made here: the benchmark's store, given by the caller, is kept.
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A GraphQL request to the stack's API, as the dashboard makes it; throws on errors. */
export async function gql<T = Record<string, unknown>>(
  stack: Pick<Stack, 'origin' | 'token'>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${stack.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  if (!body.data) throw new Error(`GraphQL: no data (HTTP ${res.status})`);
  return body.data;
}

/** Polls until `fn` returns a truthy value. */
export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
