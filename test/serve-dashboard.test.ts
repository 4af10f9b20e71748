// `capstream serve dashboard`: the static export with health, readiness and metrics, and no
// Kafka, store or API. The server over a made-up export (present and missing) in this process;
// then the real command in a child process with an environment that has no KAFKA_BROKERS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DASHBOARD_DIR, dashboardBuilt, startDashboardServer } from '@capstream/api/dashboard';
import { Registry } from 'prom-client';
import { BIN, ROOT } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'capstream-dashboard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('the dashboard server', () => {
  test('serves the export (pages without .html), answers the probes, and /metrics', async () => {
    const out = join(dir, 'out');
    mkdirSync(join(out, '_next', 'static'), { recursive: true });
    writeFileSync(join(out, 'index.html'), '<html>home</html>');
    writeFileSync(join(out, 'captures.html'), '<html>captures</html>');
    writeFileSync(join(out, '_next', 'static', 'app.js'), 'console.log(1)');
    const registry = new Registry();
    const server = await startDashboardServer({ host: '127.0.0.1', port: 0, dir: out, registry });
    try {
      assert.equal(server.ready, true);
      assert.equal((await get(`${server.url}/healthz`)).status, 200);
      assert.equal((await get(`${server.url}/readyz`)).status, 200);
      const home = await get(`${server.url}/`);
      assert.equal(home.body, '<html>home</html>');
      assert.match(home.type ?? '', /text\/html/);
      assert.equal((await get(`${server.url}/captures`)).body, '<html>captures</html>');
      assert.match((await get(`${server.url}/_next/static/app.js`)).type ?? '', /javascript/);
      assert.equal((await get(`${server.url}/metrics`)).status, 200);
    } finally {
      await server.close();
    }
  });

  test('without an export: up but not ready, and every page says how to build it', async () => {
    const server = await startDashboardServer({
      host: '127.0.0.1',
      port: 0,
      dir: join(dir, 'missing'),
      registry: new Registry(),
    });
    try {
      assert.equal(server.ready, false);
      assert.equal((await get(`${server.url}/healthz`)).status, 200);
      const ready = await get(`${server.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.body, /build-dashboard\.mjs/);
      assert.equal((await get(`${server.url}/`)).status, 503);
    } finally {
      await server.close();
    }
  });
});

/** `capstream serve dashboard` in a child process with this environment, once it said it is ready. */
async function serveDashboard(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', 'dashboard', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, CAPSTREAM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, stderr: '', url: '', exited: Promise.resolve<number | null>(null) };
  child.stderr.on('data', (d: Buffer) => {
    run.stderr += d.toString();
  });
  run.exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  run.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line:\n${run.stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      const m = /capstream dashboard ready on (http:\/\/\S+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void run.exited.then((code) => reject(new Error(`exited with ${code}:\n${run.stderr}`)));
  });
  return run;
}

test('capstream serve dashboard: starts without KAFKA_BROKERS, serves, stops on SIGTERM', async () => {
  const run = await serveDashboard();
  try {
    assert.equal((await get(`${run.url}/healthz`)).status, 200);
    // Ready exactly when this checkout has a built export.
    const built = dashboardBuilt(DASHBOARD_DIR);
    assert.equal((await get(`${run.url}/readyz`)).status, built ? 200 : 503);
    if (built) assert.match((await get(`${run.url}/`)).body, /<html/i);
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0, run.stderr);
});

test('capstream serve exits within its stop timeout when stopping hangs, and says so', async () => {
  const run = await serveDashboard({
    CAPSTREAM_STOP_TIMEOUT_MS: '1000',
    CAPSTREAM_FAILPOINTS: 'serve.stop=hang',
  });
  const t0 = Date.now();
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 1, run.stderr);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 10_000, `exited ${took} ms after SIGTERM`);
  assert.match(run.stderr, /stopping took too long/);
});
