'use client';
import { useQuery } from '@apollo/client/react';
import { OverviewTotalsDocument } from '../../gql/graphql';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { NoFlows } from '../ui/NoFlows.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { CountriesPanel } from './CountriesPanel.tsx';
import { PortRangesPanel } from './PortRangesPanel.tsx';
import { ProtocolsPanel } from './ProtocolsPanel.tsx';
import { SankeyPanel } from './SankeyPanel.tsx';
import { TotalsRow } from './TotalsRow.tsx';
import { TrafficPanel } from './TrafficPanel.tsx';

export function OverviewTab() {
  const { flowFilter } = useFilter();
  const q = useQuery(OverviewTotalsDocument, { variables: { filter: flowFilter } });
  const overview = keptData(q)?.overview;
  return (
    <QueryState
      loading={q.loading}
      error={q.error}
      hasData={!!overview}
      empty={overview?.flows === 0}
      emptyText={<NoFlows />}
      onRetry={() => void q.refetch()}
    >
      {overview ? (
        <div className="grid">
          <TotalsRow overview={overview} />
          <TrafficPanel />
          <ProtocolsPanel protocols={overview.protocols} />
          <CountriesPanel countries={overview.countries} />
          <PortRangesPanel />
          <SankeyPanel kind="country" />
          <SankeyPanel kind="day" />
        </div>
      ) : null}
    </QueryState>
  );
}
