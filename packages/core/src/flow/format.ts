import { FLOW_FIELDS, type FlowRecord } from './record.ts';

export type FlowFormat = 'jsonl' | 'csv' | 'table';

/**
 * One JSON object per line, fields in contract order. Written out by hand: JSON.stringify of the
 * whole record was the largest cost of `capstream flows` after parsing itself.
 */
export function jsonLine(r: FlowRecord): string {
  return (
    `{"flow_id":"${r.flow_id}","src_ip":"${r.src_ip}","src_port":${r.src_port},"dst_ip":"${r.dst_ip}",` +
    `"dst_port":${r.dst_port},"ip_version":${r.ip_version},"ip_proto":${r.ip_proto},` +
    `"packets_src":${r.packets_src},"packets_dst":${r.packets_dst},"bytes_src":${r.bytes_src},` +
    `"bytes_dst":${r.bytes_dst},"payload_bytes_src":${r.payload_bytes_src},` +
    `"payload_bytes_dst":${r.payload_bytes_dst},"first_seen":"${r.first_seen}","last_seen":"${r.last_seen}",` +
    `"duration":${r.duration},"app":${label(r.app)},"server_name":${str(r.server_name)},` +
    `"tls_version":${label(r.tls_version)},"alpn":${str(r.alpn)},"quic_version":${label(r.quic_version)},` +
    `"tcp_state":${label(r.tcp_state)},"tcp_flags_src":${label(r.tcp_flags_src)},` +
    `"tcp_flags_dst":${label(r.tcp_flags_dst)},"tunnel":${label(r.tunnel)}}`
  );
}

/** Strings that came from the wire (names) may hold anything: those go through JSON.stringify. */
function str(s: string | null): string {
  if (s === null) return 'null';
  // Names are almost always printable ASCII, which JSON.stringify would return as is, only slower.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** Labels the code itself makes (app, state, flags, versions) never need escaping. */
function label(s: string | null): string {
  return s === null ? 'null' : `"${s}"`;
}

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
