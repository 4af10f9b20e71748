import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeCapture, type FlowRecord, tableHeader, tableLine, toFlowRecord } from '@capstream/core';
import { samplePcapng } from '@capstream/core/testing';
import { openCapture } from '../input.ts';

export interface DemoOptions {
  data: string;
}

/**
 * What `npm start` runs until the embedded pipeline, API and dashboard land: makes the project's
 * own sample capture on first start and shows what Capstream sees in it.
 */
export async function demoCommand(opts: DemoOptions): Promise<void> {
  const dir = resolve(opts.data);
  const path = join(dir, 'sample.pcapng');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, samplePcapng());
    process.stderr.write(`capstream: wrote a sample capture to ${path}\n`);
  }
  const flows: FlowRecord[] = [];
  const input = openCapture(path);
  const summary = await analyzeCapture(
    input.stream,
    (flow, final, precision) => {
      if (final) flows.push(toFlowRecord(flow, precision));
    },
    { chunksReused: input.chunksReused },
  );
  const apps = new Map<string, { flows: number; bytes: number }>();
  for (const f of flows) {
    const a = apps.get(f.app) ?? { flows: 0, bytes: 0 };
    a.flows++;
    a.bytes += f.bytes_src + f.bytes_dst;
    apps.set(f.app, a);
  }
  const out: string[] = [
    `Capture ${path}`,
    `  ${summary.packets} packets, ${summary.bytesOnWire} bytes, ${flows.length} flows, ${summary.layout.sections} sections, link types ${summary.layout.linkTypes.join(', ')}`,
    '',
    'Application protocols (by bytes):',
    ...[...apps]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(
        ([app, a]) =>
          `  ${app.padEnd(10)} ${String(a.flows).padStart(5)} flows ${String(a.bytes).padStart(10)} bytes`,
      ),
    '',
    'Top flows by bytes:',
    tableHeader(),
    ...flows
      .sort((a, b) => b.bytes_src + b.bytes_dst - (a.bytes_src + a.bytes_dst))
      .slice(0, 15)
      .map(tableLine),
    '',
    'Next:',
    `  npx capstream flows ${path} --format jsonl   # every flow, machine-readable`,
    `  npx capstream info ${path}                   # capinfos-style summary`,
    '  npx capstream --help',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
