import {
  analyzeCapture,
  type CaptureSummary,
  csvHeader,
  csvLine,
  type Flow,
  type FlowFormat,
  jsonLineBound,
  tableHeader,
  tableLine,
  toFlowRecord,
  writeJsonLine,
} from '@capstream/core';
import { UsageError } from '../errors.ts';
import { openCapture } from '../input.ts';
import { Output } from '../output.ts';
import { progressBar } from '../progress.ts';

export interface FlowsOptions {
  format: string;
  udpTimeout: string;
  tcpTimeout: string;
  maxFlows: string;
  inspect: boolean;
}

export const FLOW_FORMATS: readonly FlowFormat[] = ['jsonl', 'csv', 'table'];

export async function flowsCommand(
  path: string,
  opts: FlowsOptions,
): Promise<CaptureSummary & { label: string }> {
  const format = opts.format as FlowFormat;
  if (!FLOW_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${FLOW_FORMATS.join(', ')} (got '${opts.format}')`);
  }
  const flowOptions = {
    udpTimeoutSec: positive('--udp-timeout', opts.udpTimeout),
    otherTimeoutSec: positive('--udp-timeout', opts.udpTimeout),
    tcpTimeoutSec: positive('--tcp-timeout', opts.tcpTimeout),
    maxFlows: positive('--max-flows', opts.maxFlows),
    inspect: opts.inspect,
  };
  const input = openCapture(path);
  const out = new Output();
  const write = lineWriter(format, out);
  const bar = progressBar('reading', input.size);
  const summary = await analyzeCapture(
    out.gate(input.stream),
    (flow, final, precision) => {
      if (final) write(flow, precision);
    },
    { flow: flowOptions, chunksReused: input.chunksReused, onProgress: (n) => bar.update(n) },
  );
  bar.stop();
  await out.end();
  return { ...summary, label: input.label };
}

function lineWriter(format: FlowFormat, out: Output): (flow: Flow, precision: number) => void {
  switch (format) {
    case 'jsonl':
      // Bytes straight into the output buffer: no record, no strings (see json-bytes.ts).
      return (flow, precision) =>
        out.commit(writeJsonLine(flow, precision, out.room(jsonLineBound(flow)), out.size));
    case 'csv':
      out.line(csvHeader());
      return (flow, precision) =>
        out.line(csvLine(toFlowRecord(flow, precision) as unknown as Record<string, unknown>));
    case 'table':
      out.line(tableHeader());
      return (flow, precision) => out.line(tableLine(toFlowRecord(flow, precision)));
    default: {
      const never: never = format;
      throw new UsageError(`unknown format ${never}`);
    }
  }
}

export function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number (got '${value}')`);
  return n;
}
