'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo } from 'react';
import { PortRangesDocument } from '../../gql/graphql';
import { formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

/** Flows by destination port range; click a bar to filter by that range. */
export function PortRangesPanel() {
  const { flowFilter, setFilter } = useFilter();
  const q = useQuery(PortRangesDocument, { variables: { filter: flowFilter } });
  const ranges = keptData(q)?.portRanges;
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatInt(v) },
      grid: { left: 56, right: 16, top: 12, bottom: 56 },
      xAxis: { type: 'category', data: (ranges ?? []).map((r) => r.label), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value' },
      series: [{ id: 'ports', name: 'Flows', type: 'bar', data: (ranges ?? []).map((r) => r.flows) }],
    }),
    [ranges],
  );
  return (
    <Panel title="Destination ports" testId="panel-ports">
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!ranges}
        empty={ranges?.every((r) => r.flows === 0)}
        onRetry={() => void q.refetch()}
      >
        <EChart
          option={option}
          height={240}
          label="Flows by destination port range"
          onClick={(e) => {
            const r = ranges?.[e.dataIndex ?? -1];
            if (r) setFilter((f) => ({ ...f, dstPort: { min: r.from, max: r.to } }));
          }}
        />
      </QueryState>
    </Panel>
  );
}
