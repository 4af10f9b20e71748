/** Ingest settings, read and validated in one place. */
export interface IngestConfig {
  /** Most record bytes in one segment. */
  segmentBytes: number;
  /** A live stream's pending records are cut into a segment at least this often. */
  liveFlushMs: number;
  /** How often progress events go out while a capture is read. */
  progressMs: number;
  /** Where the decompressed captures are archived (for replay and per-flow pcap export); null = not kept. */
  archiveDir: string | null;
}

export const DEFAULT_INGEST_CONFIG: IngestConfig = {
  segmentBytes: 1 << 20,
  liveFlushMs: 1000,
  progressMs: 500,
  archiveDir: null,
};

export class IngestConfigError extends Error {
  readonly code = 'INGEST_CONFIG';
}

export function ingestConfig(partial: Partial<IngestConfig> = {}): IngestConfig {
  const c = { ...DEFAULT_INGEST_CONFIG, ...partial };
  if (!Number.isInteger(c.segmentBytes) || c.segmentBytes < 4096 || c.segmentBytes > 64 << 20) {
    throw new IngestConfigError(
      `segmentBytes must be an integer between 4096 and 64 MiB (got ${c.segmentBytes})`,
    );
  }
  for (const k of ['liveFlushMs', 'progressMs'] as const) {
    if (!(c[k] > 0)) throw new IngestConfigError(`${k} must be positive (got ${c[k]})`);
  }
  return c;
}
