import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { samplePcapng } from '@capstream/core/testing';
import { loadEmbeddedConfig, startEmbedded } from '@capstream/embedded';
import { listenPcapOverIp } from '@capstream/ingest/sources';
import { createLogger } from '@capstream/pipeline';
import { startOpsServer, untilStopped } from '../ops-server.ts';

export interface UpOptions {
  data: string;
  port: string;
  host: string;
  pcapPort: string;
  sample: boolean;
  config?: string;
}

/**
 * The embedded stack as a long-running service: the pipeline, a pcap-over-IP listener for live
 * streams, and an HTTP endpoint (health, metrics, captures; the GraphQL API and the dashboard
 * join it on the same port).
 */
export async function upCommand(opts: UpOptions): Promise<void> {
  const log = createLogger('capstream');
  const dataDir = resolve(opts.data);
  const app = await startEmbedded({ dataDir, log, config: loadEmbeddedConfig(opts.config) });

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

  const { server, port } = await startOpsServer(opts.host, Number(opts.port), {
    registry: app.registry,
    ready: () => app.store.ping(),
    captures: () => app.store.captures.list(),
  });

  if (opts.sample) {
    const sample = join(dataDir, 'sample.pcapng');
    if (!existsSync(sample)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(sample, samplePcapng());
      const queued = await app.submit({ source: sample, name: 'sample capture' });
      const done = await app.tracker.finished(queued.capture_id);
      process.stdout.write(
        `Ingested the sample capture: ${done.capture_id} ${done.status}, ${done.packets} packets, ${done.flows} flows\n`,
      );
    }
  }
  process.stdout.write(
    [
      `Capstream is up (data in ${dataDir}).`,
      `  captures:  http://${opts.host}:${port}/api/captures`,
      `  metrics:   http://${opts.host}:${port}/metrics`,
      `  live:      tcpdump -i eth0 -w - | nc ${opts.host} ${listener.port}`,
      `  ingest:    npx capstream ingest FILE_OR_URL --data ${opts.data}`,
      `  export:    npx capstream export --data ${opts.data} --capture ID`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await untilStopped();
  server.close();
  await listener.close();
  await app.stop();
}
