import { Readable } from 'node:stream';
import { csvHeader, csvLine } from '@capstream/core';
import { type AnalyticsRepo, EXPORT_FIELDS, type FlowFilter } from '@capstream/store';

export type ExportFormat = 'csv' | 'jsonl';

/** The filtered flows as CSV (with a header) or JSON lines, streamed a page at a time. */
export function exportStream(repo: AnalyticsRepo, filter: FlowFilter, format: ExportFormat): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${csvHeader(EXPORT_FIELDS)}\n`;
    let chunk = '';
    for await (const flow of repo.iterate(filter, 10_000)) {
      const f = flow as unknown as Record<string, unknown>;
      if (format === 'csv') chunk += `${csvLine(f, EXPORT_FIELDS)}\n`;
      else chunk += `${JSON.stringify(Object.fromEntries(EXPORT_FIELDS.map((c) => [c, f[c] ?? null])))}\n`;
      if (chunk.length >= 1 << 16) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  return Readable.from(lines());
}
