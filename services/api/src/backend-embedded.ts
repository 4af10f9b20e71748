import { existsSync } from 'node:fs';
import type { Embedded } from '@capstream/embedded';
import { listenPcapOverIp, type PcapOverIpListener } from '@capstream/ingest/sources';
import type { Logger } from '@capstream/pipeline';
import type { ApiBackend, LiveListenerInfo } from './backend.ts';
import { ApiError } from './errors.ts';

/** The API over the in-process pipeline of `capstream up`. */
export function embeddedBackend(
  app: Embedded,
  opts: { host: string; log: Logger },
): ApiBackend & {
  closeAll(): Promise<void>;
} {
  const open = new Map<string, { info: LiveListenerInfo; listener: PcapOverIpListener }>();
  let next = 1;
  return {
    store: app.store,
    registry: app.registry,
    submit: (input) => app.submit(input),
    async submitUpload({ bytes, name, datasetId }) {
      const stored = await app.uploads.put(bytes);
      return app.submit({ source: { kind: 'upload', storeKey: stored.storeKey }, name, datasetId });
    },
    liveState: (id) => {
      const s = app.tracker.get(id);
      return s ? { ...s } : undefined;
    },
    onCapture: (l) => app.tracker.watchAll(l),
    onFlowsLanded: (l) => app.tracker.onLanded(l),
    captureBytes: (id) => (existsSync(app.archive.path(id)) ? app.archive.read(id) : null),
    async openListener(datasetId, port) {
      const id = `live_${next++}`;
      const info: LiveListenerInfo = {
        id,
        datasetId,
        host: opts.host,
        port: 0,
        openedAt: new Date().toISOString(),
        captures: 0,
      };
      let listener: PcapOverIpListener;
      try {
        listener = await listenPcapOverIp({
          host: opts.host,
          port: port ?? 0,
          onConnection: (live) => {
            info.captures++;
            void app
              .submitStream(
                { displaySource: live.displaySource, size: null, stream: live.stream },
                { name: `live ${live.remote}`, datasetId },
              )
              .catch((e) => opts.log.error({ err: (e as Error).message }, 'live capture failed'));
          },
        });
      } catch (err) {
        throw new ApiError('BAD_USER_INPUT', `cannot listen on port ${port}: ${(err as Error).message}`);
      }
      info.port = listener.port;
      open.set(id, { info, listener });
      return { ...info };
    },
    async closeListener(id) {
      const l = open.get(id);
      if (!l) return false;
      open.delete(id);
      await l.listener.close();
      return true;
    },
    listeners: () => [...open.values()].map((l) => ({ ...l.info })),
    async closeAll() {
      for (const id of [...open.keys()]) await this.closeListener(id);
    },
  };
}
