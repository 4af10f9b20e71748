'use client';
import type { TalkerFieldsFragment } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { CountryLabel } from '../ui/CountryLabel.tsx';
import { DataTable } from '../ui/DataTable.tsx';
import { IpLink } from '../ui/IpLink.tsx';

/** Addresses with their numbers; each address opens its profile. */
export function TalkersTable({
  rows,
  testId,
  caption,
}: {
  rows: readonly TalkerFieldsFragment[];
  testId: string;
  caption: string;
}) {
  return (
    <DataTable
      rows={rows}
      rowKey={(t) => t.ip}
      caption={caption}
      testId={testId}
      columns={[
        {
          key: 'ip',
          header: 'Address',
          value: (t) => t.ip,
          cell: (t) => (
            <>
              <IpLink ip={t.ip} />
              {t.name ? <div className="muted small">{t.name}</div> : null}
            </>
          ),
        },
        {
          key: 'flows',
          header: 'Flows',
          numeric: true,
          value: (t) => t.flows,
          cell: (t) => formatInt(t.flows),
        },
        {
          key: 'sent',
          header: 'Sent',
          numeric: true,
          value: (t) => t.bytesSent,
          cell: (t) => formatBytes(t.bytesSent),
        },
        {
          key: 'received',
          header: 'Received',
          numeric: true,
          value: (t) => t.bytesReceived,
          cell: (t) => formatBytes(t.bytesReceived),
        },
        {
          key: 'country',
          header: 'Country',
          value: (t) => t.country,
          cell: (t) => <CountryLabel code={t.country} />,
        },
        {
          key: 'asn',
          header: 'AS',
          value: (t) => t.asn,
          cell: (t) =>
            t.asn ? <span title={t.asOrg ?? undefined}>AS{t.asn}</span> : <span className="muted">–</span>,
        },
      ]}
    />
  );
}
