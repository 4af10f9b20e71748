'use client';
import { useQuery } from '@apollo/client/react';
import type { ReactNode } from 'react';
import { OverviewTotalsDocument, type OverviewTotalsQuery } from '../../gql/graphql';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { NoFlows } from '../ui/NoFlows.tsx';
import { QueryState } from '../ui/QueryState.tsx';

type Overview = OverviewTotalsQuery['overview'];

/**
 * The overview of the filtered flows, with the loading, empty and error states every tab built on
 * it shares; `children` draws the tab once there is data.
 */
export function WithOverview({ children }: { children: (overview: Overview) => ReactNode }) {
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
      {overview ? <div className="grid">{children(overview)}</div> : null}
    </QueryState>
  );
}
