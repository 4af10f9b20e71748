import { Readable } from 'node:stream';
import { analyzeCapture, type FlowRecord, toFlowRecord } from '@capstream/core';
import type { CaptureJob, FlowMessage } from '@capstream/pipeline';

/** The flows `capstream flows` computes offline for these bytes, by flow id. */
export async function offlineFlows(bytes: Uint8Array): Promise<Map<string, FlowRecord>> {
  const out = new Map<string, FlowRecord>();
  await analyzeCapture(Readable.from([bytes]), (flow, final, precision) => {
    if (final) {
      const r = toFlowRecord(flow, precision);
      out.set(r.flow_id, r);
    }
  });
  return out;
}

export { collectFlows } from '@capstream/parser/testing';

/** The FlowRecord part of a pipeline flow message. */
export function recordOf(m: FlowMessage): FlowRecord {
  const { capture_id: _c, version: _v, first_ns: _f, last_ns: _l, final: _x, capture_end: _e, ...rec } = m;
  return rec;
}

export function job(captureId: string, name = captureId): CaptureJob {
  return {
    captureId,
    datasetId: 'default',
    name,
    source: { kind: 'file', path: `/dev/null/${captureId}` },
    submittedAt: new Date().toISOString(),
  };
}

export async function waitFor(cond: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
