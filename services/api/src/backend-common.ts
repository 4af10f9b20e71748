import type { CaptureTracker } from '@capstream/embedded';
import type { CaptureArchive } from '@capstream/ingest';
import {
  listenPcapOverIp,
  type OpenedSource,
  type PcapOverIpListener,
  type UploadStore,
} from '@capstream/ingest/sources';
import type { CaptureSource, Logger } from '@capstream/pipeline';
import type { Store } from '@capstream/store';
import type { Registry } from 'prom-client';
import type { ApiBackend, CaptureState, FlowsLandedEvent, LiveListenerInfo } from './backend.ts';
import { ApiError } from './errors.ts';

/**
 * What a backend is made of, whichever mode holds the pipeline: the store, a tracker of the
 * captures, the capture archive and upload store of the data directory, and how a capture is
 * queued. The embedded mode (backend-embedded.ts) and the cluster (backend-cluster.ts) differ
 * only in these.
 */
export interface PipelineParts {
  store: Store;
  registry: Registry;
  tracker: CaptureTracker;
  archive: CaptureArchive;
  uploads: UploadStore;
  submit(input: { source: CaptureSource; name: string; datasetId: string }): Promise<CaptureState>;
  /** Reads a live stream (a pcap-over-IP connection) as a capture of the dataset. */
  submitStream(opened: OpenedSource, input: { name: string; datasetId: string }): Promise<CaptureState>;
  onFlowsLanded(listener: (event: FlowsLandedEvent) => void): () => void;
}

/** A backend with the pcap-over-IP listeners it opened; `closeListeners` ends them all. */
export type ListeningBackend = ApiBackend & { closeListeners(): Promise<void> };

/** The ApiBackend over the parts: uploads, live state, archive reads and pcap-over-IP listeners. */
export function pipelineBackend(parts: PipelineParts, opts: { host: string; log: Logger }): ListeningBackend {
  const open = new Map<string, { info: LiveListenerInfo; listener: PcapOverIpListener }>();
  let next = 1;
  const { archive, tracker } = parts;

  async function closeListener(id: string): Promise<boolean> {
    const l = open.get(id);
    if (!l) return false;
    open.delete(id);
    await l.listener.close();
    return true;
  }

  return {
    store: parts.store,
    registry: parts.registry,
    submit: (input) => parts.submit(input),
    async submitUpload({ bytes, name, datasetId }) {
      const stored = await parts.uploads.put(bytes);
      return parts.submit({ source: { kind: 'upload', storeKey: stored.storeKey }, name, datasetId });
    },
    liveState: (id) => {
      const s = tracker.get(id);
      return s ? { ...s } : undefined;
    },
    onCapture: (l) => tracker.watchAll(l),
    onFlowsLanded: (l) => parts.onFlowsLanded(l),
    captureBytes(id) {
      const state = archive.state(id);
      if (state === 'missing') return null;
      if (state === 'changed') {
        throw new ApiError(
          'NOT_FOUND',
          'the capture file was changed after Capstream read it (the archive is a hard link to it, not a copy): ' +
            'submit the file again to cut packets from it',
        );
      }
      return archive.read(id);
    },
    deleteCaptureBytes: (id) => archive.delete(id),
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
            void parts
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
    closeListener,
    listeners: () => [...open.values()].map((l) => ({ ...l.info })),
    async closeListeners() {
      for (const id of [...open.keys()]) await closeListener(id);
    },
  };
}
