import type { ReactNode } from 'react';
import type { FlowOrderField, FlowRowFragment } from '../../gql/graphql';
import { endpoint, formatBytes, formatDuration, formatInt, formatTime } from '../../lib/format.ts';
import { IpLink } from '../ui/IpLink.tsx';

export interface FlowColumn {
  id: string;
  header: string;
  /** CSS grid width. */
  width: string;
  cell: (f: FlowRowFragment) => ReactNode;
  /** The API field to sort by, when the column is sortable. */
  sort?: FlowOrderField;
  numeric?: boolean;
  /** Shown unless the user hides it. */
  byDefault: boolean;
}

const dash = <span className="muted">–</span>;

export const FLOW_COLUMNS: readonly FlowColumn[] = [
  {
    id: 'firstSeen',
    header: 'First seen',
    width: '13.5rem',
    sort: 'FIRST_SEEN',
    byDefault: true,
    cell: (f) => formatTime(f.firstSeen),
  },
  {
    id: 'lastSeen',
    header: 'Last seen',
    width: '13.5rem',
    sort: 'LAST_SEEN',
    byDefault: false,
    cell: (f) => formatTime(f.lastSeen),
  },
  {
    id: 'duration',
    header: 'Duration',
    width: '6rem',
    sort: 'DURATION',
    numeric: true,
    byDefault: true,
    cell: (f) => formatDuration(f.duration),
  },
  {
    id: 'src',
    header: 'Source',
    width: 'minmax(9rem, 1.3fr)',
    sort: 'SRC_IP',
    byDefault: true,
    cell: (f) => <IpLink ip={f.srcIp} label={endpoint(f.srcIp, f.srcPort)} />,
  },
  {
    id: 'srcPort',
    header: 'Src port',
    width: '5rem',
    sort: 'SRC_PORT',
    numeric: true,
    byDefault: false,
    cell: (f) => f.srcPort ?? dash,
  },
  {
    id: 'dst',
    header: 'Destination',
    width: 'minmax(9rem, 1.3fr)',
    sort: 'DST_IP',
    byDefault: true,
    cell: (f) => <IpLink ip={f.dstIp} label={endpoint(f.dstIp, f.dstPort)} />,
  },
  {
    id: 'dstPort',
    header: 'Dst port',
    width: '5rem',
    sort: 'DST_PORT',
    numeric: true,
    byDefault: false,
    cell: (f) => f.dstPort ?? dash,
  },
  {
    id: 'protocol',
    header: 'IP proto',
    width: '4.5rem',
    sort: 'IP_PROTO',
    byDefault: true,
    cell: (f) => f.protocol,
  },
  { id: 'app', header: 'App', width: '5rem', sort: 'APP', byDefault: true, cell: (f) => f.app },
  {
    id: 'serverName',
    header: 'Name',
    width: 'minmax(8rem, 1fr)',
    sort: 'SERVER_NAME',
    byDefault: true,
    cell: (f) => f.serverName ?? dash,
  },
  {
    id: 'packets',
    header: 'Packets',
    width: '5.5rem',
    sort: 'PACKETS',
    numeric: true,
    byDefault: true,
    cell: (f) => formatInt(f.packetsSrc + f.packetsDst),
  },
  {
    id: 'bytes',
    header: 'Bytes',
    width: '6rem',
    sort: 'BYTES',
    numeric: true,
    byDefault: true,
    cell: (f) => formatBytes(f.bytesSrc + f.bytesDst),
  },
  {
    id: 'packetsSrc',
    header: 'Pkts →',
    width: '5rem',
    sort: 'PACKETS_SRC',
    numeric: true,
    byDefault: false,
    cell: (f) => formatInt(f.packetsSrc),
  },
  {
    id: 'packetsDst',
    header: 'Pkts ←',
    width: '5rem',
    sort: 'PACKETS_DST',
    numeric: true,
    byDefault: false,
    cell: (f) => formatInt(f.packetsDst),
  },
  {
    id: 'bytesSrc',
    header: 'Bytes →',
    width: '6rem',
    sort: 'BYTES_SRC',
    numeric: true,
    byDefault: false,
    cell: (f) => formatBytes(f.bytesSrc),
  },
  {
    id: 'bytesDst',
    header: 'Bytes ←',
    width: '6rem',
    sort: 'BYTES_DST',
    numeric: true,
    byDefault: false,
    cell: (f) => formatBytes(f.bytesDst),
  },
  {
    id: 'srcCountry',
    header: 'Src cc',
    width: '4rem',
    sort: 'SRC_COUNTRY',
    byDefault: true,
    cell: (f) => f.srcCountry ?? dash,
  },
  {
    id: 'dstCountry',
    header: 'Dst cc',
    width: '4rem',
    sort: 'DST_COUNTRY',
    byDefault: true,
    cell: (f) => f.dstCountry ?? dash,
  },
  {
    id: 'srcAsn',
    header: 'Src AS',
    width: '5.5rem',
    sort: 'SRC_ASN',
    numeric: true,
    byDefault: false,
    cell: (f) => f.srcAsn ?? dash,
  },
  {
    id: 'dstAsn',
    header: 'Dst AS',
    width: '5.5rem',
    sort: 'DST_ASN',
    numeric: true,
    byDefault: false,
    cell: (f) => f.dstAsn ?? dash,
  },
  {
    id: 'tcpState',
    header: 'State',
    width: '4.5rem',
    sort: 'TCP_STATE',
    byDefault: true,
    cell: (f) => f.tcpState ?? dash,
  },
  { id: 'tunnel', header: 'Tunnel', width: '4.5rem', byDefault: false, cell: (f) => f.tunnel ?? dash },
  {
    id: 'ipVersion',
    header: 'IPv',
    width: '3rem',
    numeric: true,
    byDefault: false,
    cell: (f) => f.ipVersion,
  },
];

export const DEFAULT_COLUMNS = FLOW_COLUMNS.filter((c) => c.byDefault).map((c) => c.id);
