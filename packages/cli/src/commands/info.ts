import { analyzeCapture, type CaptureSummary, isoTime, linkTypeName } from '@capstream/core';
import { openCapture } from '../input.ts';
import { progressBar } from '../progress.ts';

export interface InfoOptions {
  json: boolean;
}

export async function infoCommand(
  path: string,
  opts: InfoOptions,
): Promise<CaptureSummary & { label: string }> {
  const input = openCapture(path);
  const bar = progressBar('reading', input.size);
  const summary = await analyzeCapture(input.stream, () => {}, {
    sha256: true,
    chunksReused: input.chunksReused,
    onProgress: (n) => bar.update(n),
  });
  bar.stop();
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(infoJson(input.label, summary), null, 2)}\n`
      : infoText(input.label, summary),
  );
  return { ...summary, label: input.label };
}

function seconds(s: CaptureSummary): number | null {
  if (s.firstSec === null || s.lastSec === null) return null;
  return s.lastSec - s.firstSec + (s.lastNsec - s.firstNsec) / 1e9;
}

export function infoJson(label: string, s: CaptureSummary) {
  const p = s.layout.precision;
  return {
    file: label,
    format: s.layout.format,
    byte_order: s.layout.byteOrder,
    gzip: s.gzip,
    sections: s.layout.sections,
    interfaces: s.layout.interfaces.map((i) => ({
      link_type: i.linkType,
      link_type_name: linkTypeName(i.linkType),
      snaplen: i.snaplen,
      precision: i.precision,
    })),
    link_types: s.layout.linkTypes,
    precision: p,
    packets: s.packets,
    ip_packets: s.ipPackets,
    packets_cut_by_snaplen: s.packetsCut,
    file_bytes: s.rawBytes,
    capture_bytes: s.captureBytes,
    data_bytes_captured: s.bytesCaptured,
    data_bytes_on_wire: s.bytesOnWire,
    first_packet: s.firstSec === null ? null : isoTime(s.firstSec, s.firstNsec, p),
    last_packet: s.lastSec === null ? null : isoTime(s.lastSec, s.lastNsec, p),
    duration_seconds: seconds(s),
    flows: s.flows,
    sha256: s.sha256,
    skipped: s.counters,
    error: s.error ? { code: s.error.code, offset: s.error.offset, reason: s.error.reason } : null,
  };
}

function infoText(label: string, s: CaptureSummary): string {
  const j = infoJson(label, s);
  const dur = j.duration_seconds;
  const rows: [string, string][] = [
    ['File name', label],
    [
      'File type',
      `${j.format ?? 'unknown'}${j.byte_order ? ` (${j.byte_order === 'le' ? 'little' : 'big'}-endian)` : ''}${j.gzip ? ', gzip-compressed' : ''}`,
    ],
    ['File encapsulation', j.interfaces.map((i) => `${i.link_type_name} (${i.link_type})`).join(', ') || '-'],
    ['Sections / interfaces', `${j.sections} / ${j.interfaces.length}`],
    ['Packet size limit', j.interfaces.map((i) => `${i.snaplen} bytes`).join(', ') || '-'],
    ['Packets cut by snaplen', String(j.packets_cut_by_snaplen)],
    ['Number of packets', String(j.packets)],
    ['IP packets', String(j.ip_packets)],
    ['File size', `${j.file_bytes} bytes`],
    ['Data size', `${j.data_bytes_captured} bytes captured, ${j.data_bytes_on_wire} bytes on the wire`],
    ['Capture duration', dur === null ? '-' : `${dur.toFixed(Math.max(0, j.precision))} seconds`],
    ['First packet time', j.first_packet ?? '-'],
    ['Last packet time', j.last_packet ?? '-'],
    ['Data byte rate', dur ? `${Math.round(j.data_bytes_on_wire / dur)} bytes/s` : '-'],
    ['Average packet size', j.packets ? `${(j.data_bytes_on_wire / j.packets).toFixed(2)} bytes` : '-'],
    ['Time precision', `${j.precision} digits`],
    ['Flows', String(j.flows)],
    ['SHA256', j.sha256 ?? '-'],
  ];
  const skipped = Object.entries(j.skipped);
  rows.push([
    'Skipped or malformed',
    skipped.length ? skipped.map(([k, v]) => `${k}=${v}`).join(', ') : 'none',
  ]);
  if (j.error) rows.push(['Error', `${j.error.code} at byte ${j.error.offset}: ${j.error.reason}`]);
  return `${rows.map(([k, v]) => `${`${k}:`.padEnd(24)}${v}`).join('\n')}\n`;
}
