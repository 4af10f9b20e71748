import type { EnrichedFlow } from '@capstream/pipeline';
import {
  FLOW_READ_FIELDS,
  type FlowField,
  type Dataset as StoredDataset,
  type ApiToken as StoredToken,
} from '@capstream/store';
import type { CaptureState } from '../backend.ts';
import type { ApiToken, Capture, Dataset, Flow } from './types.ts';

const PROTOCOLS: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmpv6',
  89: 'ospf',
  103: 'pim',
  112: 'vrrp',
  132: 'sctp',
};

/** GraphQL Flow fields whose stored field is not their snake_case name. */
const RENAMED: Readonly<Record<string, readonly FlowField[]>> = {
  id: ['flow_id'],
  protocol: ['ip_proto'],
};
const STORED = new Set<string>(FLOW_READ_FIELDS);

/**
 * The stored fields that the GraphQL Flow fields `names` are made from, so that a page reads only
 * what is shown; null (read everything) for a name it does not know.
 */
export function storedFlowFields(names: Iterable<string>): FlowField[] | null {
  const out = new Set<FlowField>();
  for (const name of names) {
    if (name === '__typename') continue;
    const renamed = RENAMED[name];
    if (renamed) {
      for (const f of renamed) out.add(f);
      continue;
    }
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (!STORED.has(snake)) return null;
    out.add(snake as FlowField);
  }
  return [...out];
}

export function protocolName(ipProto: number): string {
  return PROTOCOLS[ipProto] ?? String(ipProto);
}

export function toCapture(c: CaptureState): Capture {
  return {
    id: c.capture_id,
    datasetId: c.dataset_id,
    name: c.name,
    source: c.source,
    status: c.status,
    error: c.error === '' ? null : c.error,
    progress: {
      bytesRead: c.bytes_read,
      bytesTotal: c.bytes_total,
      packets: c.packets,
      flows: c.flows,
      fraction: c.bytes_total ? Math.min(1, c.bytes_read / c.bytes_total) : c.status === 'DONE' ? 1 : null,
    },
    firstSeen: c.first_seen,
    lastSeen: c.last_seen,
    linkTypes: c.link_types,
    format: c.format === '' ? null : c.format,
    sha256: c.sha256 === '' ? null : c.sha256,
    counters: Object.entries(c.counters).map(([name, value]) => ({ name, value })),
    lost: c.lost,
    submittedAt: c.submitted_at,
    updatedAt: c.updated_at,
  };
}

export function toDataset(d: StoredDataset): Dataset {
  return {
    id: d.dataset_id,
    name: d.name,
    retentionDays: d.retention_days === 0 ? null : d.retention_days,
    createdAt: d.created_at,
  };
}

export function toToken(t: StoredToken): ApiToken {
  return { id: t.token_id, name: t.name, role: t.role, datasetIds: t.dataset_ids, createdAt: t.created_at };
}

/** A flow for GraphQL; from a partial read, the fields not read stay undefined (and unasked). */
export function toFlow(f: Partial<EnrichedFlow>): Flow {
  return {
    id: f.flow_id,
    captureId: f.capture_id,
    final: f.final,
    firstSeen: f.first_seen,
    lastSeen: f.last_seen,
    duration: f.duration,
    ipVersion: f.ip_version,
    ipProto: f.ip_proto,
    protocol: f.ip_proto === undefined ? undefined : protocolName(f.ip_proto),
    srcIp: f.src_ip,
    srcPort: f.src_port,
    dstIp: f.dst_ip,
    dstPort: f.dst_port,
    packetsSrc: f.packets_src,
    packetsDst: f.packets_dst,
    bytesSrc: f.bytes_src,
    bytesDst: f.bytes_dst,
    payloadBytesSrc: f.payload_bytes_src,
    payloadBytesDst: f.payload_bytes_dst,
    app: f.app,
    serverName: f.server_name,
    tlsVersion: f.tls_version,
    alpn: f.alpn,
    quicVersion: f.quic_version,
    tcpState: f.tcp_state,
    tcpFlagsSrc: f.tcp_flags_src,
    tcpFlagsDst: f.tcp_flags_dst,
    tunnel: f.tunnel,
    srcScope: f.src_scope,
    dstScope: f.dst_scope,
    srcCountry: f.src_country,
    dstCountry: f.dst_country,
    srcCity: f.src_city,
    dstCity: f.dst_city,
    srcLat: f.src_lat,
    srcLon: f.src_lon,
    dstLat: f.dst_lat,
    dstLon: f.dst_lon,
    srcAsn: f.src_asn,
    dstAsn: f.dst_asn,
    srcAsOrg: f.src_as_org,
    dstAsOrg: f.dst_as_org,
  } as Flow;
}
