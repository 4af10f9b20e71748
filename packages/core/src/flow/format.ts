import { FLOW_FIELDS, type FlowRecord } from './record.ts';

export type FlowFormat = 'jsonl' | 'csv' | 'table';

export function csvHeader(fields: readonly string[] = FLOW_FIELDS): string {
  return fields.join(',');
}

export function csvLine(rec: Record<string, unknown>, fields: readonly string[] = FLOW_FIELDS): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    const v = rec[fields[i]];
    if (v === null || v === undefined) continue;
    const s = String(v);
    line += /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }
  return line;
}

const TABLE_COLUMNS: { field: keyof FlowRecord; title: string; width: number; right?: boolean }[] = [
  { field: 'first_seen', title: 'FIRST SEEN', width: 30 },
  { field: 'ip_proto', title: 'PROTO', width: 5, right: true },
  { field: 'src_ip', title: 'SOURCE', width: 39 },
  { field: 'src_port', title: 'SPORT', width: 5, right: true },
  { field: 'dst_ip', title: 'DESTINATION', width: 39 },
  { field: 'dst_port', title: 'DPORT', width: 5, right: true },
  { field: 'packets_src', title: 'PKTS>', width: 7, right: true },
  { field: 'packets_dst', title: '<PKTS', width: 7, right: true },
  { field: 'bytes_src', title: 'BYTES>', width: 10, right: true },
  { field: 'bytes_dst', title: '<BYTES', width: 10, right: true },
  { field: 'app', title: 'APP', width: 8 },
  { field: 'tcp_state', title: 'STATE', width: 6 },
  { field: 'server_name', title: 'NAME', width: 0 },
];

export function tableHeader(): string {
  return TABLE_COLUMNS.map((c) => pad(c.title, c.width, c.right)).join(' ');
}

export function tableLine(rec: FlowRecord): string {
  return TABLE_COLUMNS.map((c) =>
    pad(rec[c.field] === null ? '-' : String(rec[c.field]), c.width, c.right),
  ).join(' ');
}

function pad(s: string, width: number, right = false): string {
  if (width === 0) return s;
  if (s.length > width) return `${s.slice(0, width - 1)}…`;
  return right ? s.padStart(width) : s.padEnd(width);
}
