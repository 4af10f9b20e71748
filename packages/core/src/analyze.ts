import type { PacketRecord } from './capture/packet.ts';
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
  const span = new CaptureSpan();
  const result = await readCapture(
    source,
    (p) => {
      span.add(p);
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
    bytesCaptured: span.bytesCaptured,
    bytesOnWire: span.bytesOnWire,
    packetsCut: span.packetsCut,
    firstSec: span.packets === 0 ? null : span.firstSec,
    firstNsec: span.firstNsec,
    lastSec: span.packets === 0 ? null : span.lastSec,
    lastNsec: span.lastNsec,
    flows,
    counters,
    error: result.error,
  };
}

/**
 * A capture's totals and time span, kept in an object's fields: as variables of the closure that
 * reads packets, every update of a value past 2^30 (byte totals, Unix seconds) allocated a new
 * number, three per packet.
 */
class CaptureSpan {
  packets = 0;
  bytesCaptured = 0;
  bytesOnWire = 0;
  packetsCut = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;

  add(p: PacketRecord): void {
    if (this.packets++ === 0) {
      this.firstSec = p.tsSec;
      this.firstNsec = p.tsNsec;
      this.lastSec = p.tsSec;
    }
    if (p.tsSec > this.lastSec || (p.tsSec === this.lastSec && p.tsNsec > this.lastNsec)) {
      this.lastSec = p.tsSec;
      this.lastNsec = p.tsNsec;
    }
    this.bytesCaptured += p.capLen;
    this.bytesOnWire += p.origLen;
    if (p.capLen < p.origLen) this.packetsCut++;
  }
}
