import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { samplePcapng } from '@capstream/core/testing';
import { loadEmbeddedConfig, startEmbedded } from '@capstream/embedded';
import { listenPcapOverIp } from '@capstream/ingest/sources';
import { createLogger } from '@capstream/pipeline';

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

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz') return void res.end('ok\n');
      if (path === '/readyz') {
        const ok = await app.store.ping();
        res.statusCode = ok ? 200 : 503;
        return void res.end(ok ? 'ready\n' : 'store not answering\n');
      }
      if (path === '/metrics') {
        res.setHeader('content-type', app.registry.contentType);
        return void res.end(await app.registry.metrics());
      }
      if (path === '/api/captures') {
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify(await app.store.captures.list()));
      }
      res.statusCode = 404;
      res.end('not found: try /api/captures, /metrics, /healthz\n');
    } catch (e) {
      res.statusCode = 500;
      res.end(`${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((r) => server.listen(Number(opts.port), opts.host, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

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
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.close();
  await listener.close();
  await app.stop();
}
