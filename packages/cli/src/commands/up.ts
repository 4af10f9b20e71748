import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiConfigFromEnv, embeddedBackend, startApi } from '@capstream/api';
import { DASHBOARD_DIR, dashboardBuilt } from '@capstream/api/dashboard';
import { samplePcapng } from '@capstream/core/testing';
import { loadEmbeddedConfig, startEmbedded } from '@capstream/embedded';
import { listenPcapOverIp } from '@capstream/ingest/sources';
import { createLogger } from '@capstream/pipeline';
import { untilStopped } from '../ops-server.ts';

export interface UpOptions {
  data: string;
  port: string;
  host: string;
  pcapPort: string;
  sample: boolean;
  config?: string;
}

/**
 * The admin token of this data directory: CAPSTREAM_ADMIN_TOKEN when set, else one made on the
 * first start and kept in `<data>/admin-token` (mode 0600) so each start can print the dashboard
 * link. The API stores only its hash.
 */
function localAdminToken(dataDir: string): string {
  const fromEnv = process.env.CAPSTREAM_ADMIN_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cst_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * The embedded stack as a long-running service: the pipeline, a pcap-over-IP listener for live
 * streams, and the API with the dashboard on one HTTP port.
 */
export async function upCommand(opts: UpOptions): Promise<void> {
  const log = createLogger('capstream');
  const dataDir = resolve(opts.data);
  mkdirSync(dataDir, { recursive: true });
  const app = await startEmbedded({ dataDir, log, config: loadEmbeddedConfig(opts.config) });
  const token = localAdminToken(dataDir);
  const backend = embeddedBackend(app, { host: opts.host, log });
  const api = await startApi({
    backend,
    log,
    uploadDir: join(dataDir, 'uploads-partial'),
    config: apiConfigFromEnv(process.env, {
      host: opts.host,
      port: Number(opts.port),
      adminToken: token,
      dashboardDir: dashboardBuilt(DASHBOARD_DIR) ? DASHBOARD_DIR : null,
    }),
  });

  const listener = await listenPcapOverIp({
    host: opts.host,
    port: Number(opts.pcapPort),
    onConnection: (live) => {
      void app.submitStream(
        { displaySource: live.displaySource, size: null, stream: live.stream },
        { name: `live ${live.remote}` },
      );
    },
  });

  if (opts.sample) {
    const sample = join(dataDir, 'sample.pcapng');
    if (!existsSync(sample)) {
      writeFileSync(sample, samplePcapng());
      const queued = await app.submit({ source: sample, name: 'sample capture' });
      const done = await app.tracker.finished(queued.capture_id);
      process.stdout.write(
        `Ingested the sample capture: ${done.capture_id} ${done.status}, ${done.packets} packets, ${done.flows} flows\n`,
      );
    }
  }
  const stopped = untilStopped(); // before the lines a supervisor waits for (see serve.ts)
  process.stdout.write(
    [
      `Capstream is up (data in ${dataDir}).`,
      `  dashboard: ${api.url}/#token=${token}`,
      `  GraphQL:   ${api.url}/graphql  (Authorization: Bearer ${token})`,
      `  metrics:   ${api.url}/metrics`,
      `  live:      tcpdump -i eth0 -w - | nc ${opts.host} ${listener.port}`,
      `  ingest:    npx capstream ingest FILE_OR_URL --data ${opts.data}`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await stopped;
  await api.close();
  await backend.closeListeners();
  await listener.close();
  await app.stop();
}
