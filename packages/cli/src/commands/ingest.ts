import { type CaptureState, loadEmbeddedConfig, startEmbedded } from '@capstream/embedded';
import { createLogger } from '@capstream/pipeline';
import { progressBar } from '../progress.ts';

export interface IngestOptions {
  data: string;
  name?: string;
  dataset: string;
  config?: string;
}

/** Runs one capture through the whole embedded pipeline into the store, with a progress bar. */
export async function ingestCommand(source: string, opts: IngestOptions): Promise<CaptureState> {
  const app = await startEmbedded({
    dataDir: opts.data,
    config: loadEmbeddedConfig(opts.config),
    log: createLogger('capstream', process.env.CAPSTREAM_LOG_LEVEL ?? 'warn'),
  });
  try {
    const queued = await app.submit({ source, name: opts.name, datasetId: opts.dataset });
    let bar: ReturnType<typeof progressBar> | null = null;
    const stop = app.tracker.watch(queued.capture_id, (s) => {
      if (bar === null && s.status === 'RUNNING') bar = progressBar('ingesting', s.bytes_total);
      bar?.update(s.bytes_read);
    });
    const done = await app.tracker.finished(queued.capture_id);
    stop();
    (bar as ReturnType<typeof progressBar> | null)?.stop();
    const lines = [
      done.capture_id,
      `status: ${done.status}${done.error ? ` (${done.error})` : ''}`,
      `source: ${done.source}`,
      `bytes: ${done.bytes_read}, packets: ${done.packets}, flows: ${done.flows}`,
      `time: ${done.first_seen ?? '-'} .. ${done.last_seen ?? '-'}`,
      `data: ${app.dataDir}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return done;
  } finally {
    await app.stop();
  }
}
