import { Readable } from 'node:stream';
import type { EnrichedFlow } from '@capstream/pipeline';
import type { AnalyticsRepo, FlowFilter } from '@capstream/store';

export type ExportFormat = 'csv' | 'jsonl';

/** Columns of an export, in order: the stored flow's fields (first_ns/last_ns are left to JSON). */
export const EXPORT_COLUMNS: readonly (keyof EnrichedFlow)[] = [
  'capture_id',
  'flow_id',
  'first_seen',
  'last_seen',
  'duration',
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'ip_version',
  'ip_proto',
  'packets_src',
  'packets_dst',
  'bytes_src',
  'bytes_dst',
  'payload_bytes_src',
  'payload_bytes_dst',
  'app',
  'server_name',
  'tls_version',
  'alpn',
  'quic_version',
  'tcp_state',
  'tcp_flags_src',
  'tcp_flags_dst',
  'tunnel',
  'src_scope',
  'dst_scope',
  'src_country',
  'dst_country',
  'src_city',
  'dst_city',
  'src_lat',
  'src_lon',
  'dst_lat',
  'dst_lon',
  'src_asn',
  'dst_asn',
  'src_as_org',
  'dst_as_org',
  'final',
];

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The filtered flows as CSV (with a header) or JSON lines, streamed a page at a time. */
export function exportStream(repo: AnalyticsRepo, filter: FlowFilter, format: ExportFormat): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${EXPORT_COLUMNS.join(',')}\n`;
    let chunk = '';
    for await (const f of repo.iterate(filter, 10_000)) {
      if (format === 'csv') chunk += `${EXPORT_COLUMNS.map((c) => csvField(f[c])).join(',')}\n`;
      else chunk += `${JSON.stringify(Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, f[c]])))}\n`;
      if (chunk.length >= 1 << 16) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  return Readable.from(lines());
}
