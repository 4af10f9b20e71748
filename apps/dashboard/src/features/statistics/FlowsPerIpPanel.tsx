'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo } from 'react';
import { FlowsPerIpDocument } from '../../gql/graphql';
import { formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

/** Flows per address (either end), as bars; click one for its profile. */
export function FlowsPerIpPanel() {
  const { flowFilter } = useFilter();
  const [, setProfile] = useQueryParam('profile');
  const q = useQuery(FlowsPerIpDocument, { variables: { filter: flowFilter, end: 'ANY', limit: 20 } });
  const rows = keptData(q)?.flowsPerIp;
  const option = useMemo(() => {
    const r = [...(rows ?? [])].reverse();
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatInt(v) },
      grid: { left: 150, right: 24, top: 8, bottom: 24 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: r.map((t) => t.ip), axisLabel: { width: 140, overflow: 'truncate' } },
      series: [{ id: 'flows', name: 'Flows', type: 'bar', data: r.map((t) => t.flows) }],
    };
  }, [rows]);
  return (
    <Panel title="Flows per address" testId="panel-flows-per-ip">
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!rows}
        empty={rows?.length === 0}
        onRetry={() => void q.refetch()}
      >
        <EChart
          option={option}
          height={Math.max(160, (rows?.length ?? 0) * 18 + 40)}
          label="Flows per address"
          onClick={(e) => e.name && setProfile(e.name)}
        />
        <ul className="sr-only" data-testid="list-flows-per-ip">
          {(rows ?? []).map((t) => (
            <li key={t.ip} data-key={t.ip} data-value={t.flows}>
              {t.ip}: {t.flows} flows
            </li>
          ))}
        </ul>
      </QueryState>
    </Panel>
  );
}
