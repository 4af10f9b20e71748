'use client';
import type { CitiesQuery, GeoQuery } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { CountryLabel } from '../ui/CountryLabel.tsx';
import { DataTable } from '../ui/DataTable.tsx';

/** The picked country's numbers and its cities. */
export function CountryDetail({
  country,
  stat,
  cities,
}: {
  country: string;
  stat: GeoQuery['geo'][number] | undefined;
  cities: CitiesQuery['cities'];
}) {
  return (
    <div className="country-detail" data-testid="country-detail" data-country={country}>
      <h3>
        <CountryLabel code={country} />
      </h3>
      <dl className="kv">
        <dt>Flows</dt>
        <dd data-testid="country-flows" data-value={stat?.flows ?? 0}>
          {formatInt(stat?.flows ?? 0)}
        </dd>
        <dt>Bytes sent</dt>
        <dd data-value={stat?.bytesSent ?? 0}>{formatBytes(stat?.bytesSent ?? 0)}</dd>
        <dt>Bytes received</dt>
        <dd data-value={stat?.bytesReceived ?? 0}>{formatBytes(stat?.bytesReceived ?? 0)}</dd>
      </dl>
      {cities.length ? (
        <DataTable
          rows={cities}
          rowKey={(c) => `${c.country}/${c.city}`}
          caption={`Cities in ${country}`}
          columns={[
            { key: 'city', header: 'City', cell: (c) => c.city || '–' },
            {
              key: 'flows',
              header: 'Flows',
              numeric: true,
              value: (c) => c.flows,
              cell: (c) => formatInt(c.flows),
            },
            {
              key: 'bytes',
              header: 'Bytes',
              numeric: true,
              value: (c) => c.bytesSent + c.bytesReceived,
              cell: (c) => formatBytes(c.bytesSent + c.bytesReceived),
            },
          ]}
        />
      ) : null}
    </div>
  );
}
