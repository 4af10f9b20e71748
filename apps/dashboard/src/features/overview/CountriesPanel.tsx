'use client';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { toggleIn } from '../filter/filter-state.ts';
import { useFilter } from '../filter/useFilter.ts';
import { CountryLabel } from '../ui/CountryLabel.tsx';
import { DataTable } from '../ui/DataTable.tsx';
import { Panel } from '../ui/Panel.tsx';

export interface CountryRow {
  country: string;
  flows: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Countries with flows and bytes each way; a click filters by the country. */
export function CountriesPanel({
  countries,
  title = 'Countries',
}: {
  countries: readonly CountryRow[];
  title?: string;
}) {
  const { setFilter } = useFilter();
  return (
    <Panel title={title} testId="panel-countries">
      {countries.length === 0 ? (
        <p className="muted">No public addresses with a known country.</p>
      ) : (
        <DataTable
          rows={countries}
          rowKey={(c) => c.country}
          caption={title}
          testId="table-countries"
          onRowClick={(c) => setFilter((f) => ({ ...f, countries: toggleIn(f.countries, c.country) }))}
          columns={[
            {
              key: 'country',
              header: 'Country',
              value: (c) => c.country,
              cell: (c) => <CountryLabel code={c.country} />,
            },
            {
              key: 'flows',
              header: 'Flows',
              numeric: true,
              value: (c) => c.flows,
              cell: (c) => formatInt(c.flows),
            },
            {
              key: 'sent',
              header: 'Sent',
              numeric: true,
              value: (c) => c.bytesSent,
              cell: (c) => formatBytes(c.bytesSent),
            },
            {
              key: 'received',
              header: 'Received',
              numeric: true,
              value: (c) => c.bytesReceived,
              cell: (c) => formatBytes(c.bytesReceived),
            },
          ]}
        />
      )}
    </Panel>
  );
}
