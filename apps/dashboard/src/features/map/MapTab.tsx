'use client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { CitiesDocument, type End, GeoDocument } from '../../gql/graphql';
import { toggleIn } from '../filter/filter-state.ts';
import { useFilter } from '../filter/useFilter.ts';
import { CountriesPanel } from '../overview/CountriesPanel.tsx';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { CountryDetail } from './CountryDetail.tsx';
import { type MapMetric, WorldMap } from './WorldMap.tsx';

/** GeoMap: countries by flows or bytes each way; a click shows a country's numbers and filters by it. */
export function MapTab() {
  const { filter, flowFilter, setFilter } = useFilter();
  const [metric, setMetric] = useState<MapMetric>('flows');
  const [end, setEnd] = useState<End>('ANY');
  const [picked, setPicked] = useState<string | null>(null);
  const geo = useQuery(GeoDocument, { variables: { filter: flowFilter, end } });
  const cities = useQuery(CitiesDocument, { variables: { filter: flowFilter, end } });
  const countries = keptData(geo)?.geo;
  const cityRows = keptData(cities)?.cities ?? [];
  const shown = picked ?? (filter.countries.length === 1 ? filter.countries[0] : null);

  const pick = (country: string) => {
    setPicked(country);
    setFilter((f) => ({ ...f, countries: toggleIn(f.countries, country) }));
  };

  return (
    <div className="grid">
      <Panel
        title="World"
        className="wide"
        testId="panel-map"
        actions={
          <>
            <MetricToggle
              label="Ends"
              value={end}
              onChange={setEnd}
              options={[
                { value: 'ANY', label: 'Either end' },
                { value: 'SRC', label: 'Sources' },
                { value: 'DST', label: 'Destinations' },
              ]}
            />
            <MetricToggle
              label="Colour by"
              value={metric}
              onChange={setMetric}
              options={[
                { value: 'flows', label: 'Flows' },
                { value: 'bytesSent', label: 'Bytes sent' },
                { value: 'bytesReceived', label: 'Bytes received' },
              ]}
            />
          </>
        }
      >
        <QueryState
          loading={geo.loading}
          error={geo.error}
          hasData={!!countries}
          onRetry={() => void geo.refetch()}
        >
          <div className="map-layout">
            <WorldMap
              countries={countries ?? []}
              cities={cityRows}
              metric={metric}
              selected={filter.countries}
              onPick={pick}
            />
            {shown ? (
              <CountryDetail
                country={shown}
                stat={countries?.find((c) => c.country === shown)}
                cities={cityRows.filter((c) => c.country === shown)}
              />
            ) : (
              <p className="muted map-hint">
                Click a country to see its numbers and filter every view by it.
              </p>
            )}
          </div>
        </QueryState>
      </Panel>
      {countries ? <CountriesPanel countries={countries} title="Countries (either end)" /> : null}
    </div>
  );
}
