import { newPacketRecord } from '../../src/capture/packet.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import { toFlowRecord } from '../../src/flow/record.ts';
import { FlowTable, type FlowTableOptions } from '../../src/flow/table.ts';

export interface Pkt {
  tsNs: bigint;
  data: Uint8Array;
  linkType?: number;
  origLen?: number;
}

/** Runs packets through a FlowTable; returns the final flow records and the table. */
export function flowsOf(pkts: Pkt[], opts: Partial<FlowTableOptions> = {}, precision = 9) {
  const records: FlowRecord[] = [];
  const updates: FlowRecord[] = [];
  const table = new FlowTable(
    (flow, final) => (final ? records : updates).push(toFlowRecord(flow, precision)),
    opts,
  );
  const rec = newPacketRecord();
  for (const p of pkts) {
    rec.tsSec = Number(p.tsNs / 1_000_000_000n);
    rec.tsNsec = Number(p.tsNs % 1_000_000_000n);
    rec.data = p.data;
    rec.capLen = p.data.length;
    rec.origLen = p.origLen ?? p.data.length;
    rec.linkType = p.linkType ?? 101;
    table.packet(rec);
  }
  table.finish();
  return { records, updates, table, counters: Object.fromEntries(table.counters) };
}
