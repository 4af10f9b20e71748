import type { CaptureSource } from '@capstream/pipeline';
import type { Capture, Store } from '@capstream/store';
import type { Registry } from 'prom-client';

/** A capture as the pipeline reports it (the `captures` row without its version). */
export type CaptureState = Omit<Capture, 'version'>;

export interface FlowsLandedEvent {
  captureId: string;
  datasetId: string;
  /** Flow records of the capture stored so far (versions of active flows included). */
  flows: number;
  at: string;
}

export interface LiveListenerInfo {
  id: string;
  datasetId: string;
  host: string;
  port: number;
  openedAt: string;
  captures: number;
}

/**
 * What the API needs from the rest of Capstream. The embedded mode implements it over the
 * in-process pipeline (backend-embedded.ts), the cluster over Kafka (backend-cluster.ts); the API
 * code is the same whatever implements it.
 */
export interface ApiBackend {
  readonly store: Store;
  readonly registry: Registry;
  /** Queues a capture job. */
  submit(input: { source: CaptureSource; name: string; datasetId: string }): Promise<CaptureState>;
  /** Streams an uploaded capture into the upload store and queues it. */
  submitUpload(input: {
    bytes: AsyncIterable<Uint8Array>;
    name: string;
    datasetId: string;
  }): Promise<CaptureState>;
  /** The newest state of a capture this process tracks, if any (fresher than the store). */
  liveState(captureId: string): CaptureState | undefined;
  /** Every change of any capture; returns an unsubscribe function. */
  onCapture(listener: (state: CaptureState) => void): () => void;
  onFlowsLanded(listener: (event: FlowsLandedEvent) => void): () => void;
  /**
   * The stored capture bytes (as ingested), for one flow's packets; null when not kept. Throws a
   * NOT_FOUND ApiError when they were kept as a link to a file that changed since.
   */
  captureBytes(captureId: string): AsyncIterable<Uint8Array> | null;
  /** Forgets the stored bytes of a deleted capture (a no-op when none are kept). */
  deleteCaptureBytes(captureId: string): void;
  openListener(datasetId: string, port: number | null): Promise<LiveListenerInfo>;
  closeListener(id: string): Promise<boolean>;
  listeners(): LiveListenerInfo[];
}
