import type { CaptureLayout } from './capture/reader.ts';
import { type ReadOptions, readCapture } from './capture/stream.ts';
import type { CaptureError } from './errors.ts';
import type { Flow } from './flow/flow.ts';
import { FlowTable, type FlowTableOptions } from './flow/table.ts';

/** What `capstream info` reports: capinfos's facts plus what the decoder skipped and why. */
export interface CaptureSummary {
  layout: CaptureLayout;
  gzip: boolean;
  rawBytes: number;
  captureBytes: number;
  sha256: string | null;
  packets: number;
  ipPackets: number;
  /** Sum of captured lengths and of on-the-wire lengths. */
  bytesCaptured: number;
  bytesOnWire: number;
  /** Packets cut by the snaplen. */
  packetsCut: number;
  firstSec: number | null;
  firstNsec: number;
  lastSec: number | null;
  lastNsec: number;
  flows: number;
  /** Skip and malformed counters by reason, plus per-link-type packet counts. */
  counters: Record<string, number>;
  /** Set when the capture is broken; everything before it was analysed. */
  error: CaptureError | null;
}

export interface AnalyzeOptions extends ReadOptions {
  flow?: Partial<FlowTableOptions>;
}

/**
 * Reads a capture and assembles its flows, calling `onFlow` for each one (with final=false for
 * periodic flushes of active flows, when enabled).
 */
export async function analyzeCapture(
  source: AsyncIterable<Uint8Array>,
  onFlow: (flow: Flow, final: boolean, precision: number) => void,
  opts: AnalyzeOptions = {},
): Promise<CaptureSummary> {
  let layout: CaptureLayout | null = null;
  let flows = 0;
  const table = new FlowTable((flow, final) => {
    if (final) flows++;
    onFlow(flow, final, layout?.precision ?? 6);
  }, opts.flow);
  let bytesCaptured = 0;
  let bytesOnWire = 0;
  let packetsCut = 0;
  let firstSec: number | null = null;
  let firstNsec = 0;
  let lastSec: number | null = null;
  let lastNsec = 0;
  const result = await readCapture(
    source,
    (p) => {
      if (firstSec === null) {
        firstSec = p.tsSec;
        firstNsec = p.tsNsec;
        lastSec = p.tsSec;
      }
      if (p.tsSec > lastSec! || (p.tsSec === lastSec && p.tsNsec > lastNsec)) {
        lastSec = p.tsSec;
        lastNsec = p.tsNsec;
      }
      bytesCaptured += p.capLen;
      bytesOnWire += p.origLen;
      if (p.capLen < p.origLen) packetsCut++;
      table.packet(p);
    },
    {
      ...opts,
      onLayout: (l) => {
        layout = l;
      },
    },
  );
  table.finish();
  const counters: Record<string, number> = {};
  for (const [k, v] of [...table.counters].sort()) counters[k] = v;
  return {
    layout: result.layout,
    gzip: result.gzip,
    rawBytes: result.rawBytes,
    captureBytes: result.captureBytes,
    sha256: result.sha256,
    packets: table.packets,
    ipPackets: table.ipPackets,
    bytesCaptured,
    bytesOnWire,
    packetsCut,
    firstSec,
    firstNsec,
    lastSec,
    lastNsec,
    flows,
    counters,
    error: result.error,
  };
}
