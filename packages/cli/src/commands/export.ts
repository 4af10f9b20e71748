import { resolve } from 'node:path';
import { csvHeader, csvLine } from '@capstream/core';
import { EXPORT_FIELDS, openStore, storeConfigFromEnv } from '@capstream/store';
import { UsageError } from '../errors.ts';
import { Output } from '../output.ts';

export interface ExportOptions {
  data: string;
  capture: string;
  format: string;
}

export async function exportCommand(opts: ExportOptions): Promise<void> {
  if (opts.format !== 'jsonl' && opts.format !== 'csv')
    throw new UsageError(`--format must be jsonl or csv (got '${opts.format}')`);
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir: resolve(opts.data) }));
  const out = new Output();
  try {
    if ((await store.captures.get(opts.capture)) === undefined) {
      throw new UsageError(
        `no capture ${opts.capture} in ${resolve(opts.data)} (list them with: capstream captures --data ${opts.data})`,
      );
    }
    if (opts.format === 'csv') out.line(csvHeader(EXPORT_FIELDS));
    for await (const f of store.flows.byCapture(opts.capture, { final: true })) {
      const row = f as unknown as Record<string, unknown>;
      if (opts.format === 'csv') out.line(csvLine(row, EXPORT_FIELDS));
      else out.line(JSON.stringify(Object.fromEntries(EXPORT_FIELDS.map((k) => [k, row[k] ?? null]))));
      if (out.closed) break;
      await out.drained();
    }
    await out.end();
  } finally {
    await store.close();
  }
}
