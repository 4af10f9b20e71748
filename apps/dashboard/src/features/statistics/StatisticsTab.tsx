'use client';
import { useQuery } from '@apollo/client/react';
import { OverviewTotalsDocument } from '../../gql/graphql';
import { useFilter } from '../filter/useFilter.ts';
import { CountriesPanel } from '../overview/CountriesPanel.tsx';
import { ProtocolsPanel } from '../overview/ProtocolsPanel.tsx';
import { keptData } from '../ui/kept-data.ts';
import { NoFlows } from '../ui/NoFlows.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { DurationPanel } from './DurationPanel.tsx';
import { FlowsPerIpPanel } from './FlowsPerIpPanel.tsx';
import { TopTalkersPanel } from './TopTalkersPanel.tsx';

export function StatisticsTab() {
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
          <TopTalkersPanel />
          <FlowsPerIpPanel />
          <ProtocolsPanel protocols={overview.protocols} />
          <CountriesPanel countries={overview.countries} />
          <DurationPanel />
        </div>
      ) : null}
    </QueryState>
  );
}
