'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo } from 'react';
import { DurationHistogramDocument } from '../../gql/graphql';
import { formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { colorFor } from '../charts/echarts.ts';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

/** Flow durations in the CapAnalysis buckets, stacked by application protocol. */
export function DurationPanel() {
  const { flowFilter, setFilter } = useFilter();
  const q = useQuery(DurationHistogramDocument, { variables: { filter: flowFilter } });
  const buckets = keptData(q)?.durationHistogram;
  const option = useMemo(() => {
    const b = buckets ?? [];
    const apps = [...new Set(b.flatMap((x) => x.byApp.map((a) => a.app)))].sort();
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (v: number) => formatInt(v),
      },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 56, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: b.map((x) => `≤ ${x.label}`.replace('≤ more', '> 1h')) },
      yAxis: { type: 'value' },
      series: apps.map((app) => ({
        id: app,
        name: app,
        type: 'bar',
        stack: 'apps',
        itemStyle: { color: colorFor(app) },
        data: b.map((x) => x.byApp.find((a) => a.app === app)?.flows ?? 0),
      })),
    };
  }, [buckets]);
  const narrow = (i: number) => {
    const b = buckets?.[i];
    if (!b) return;
    const min = i > 0 ? (buckets?.[i - 1]?.maxSeconds ?? undefined) : undefined;
    setFilter((f) => ({ ...f, duration: { min, max: b.maxSeconds ?? undefined } }));
  };
  return (
    <Panel title="Flow durations" testId="panel-durations" className="wide">
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!buckets}
        empty={buckets?.every((b) => b.flows === 0)}
        onRetry={() => void q.refetch()}
      >
        <EChart
          option={option}
          height={280}
          label="Flow durations by protocol"
          onClick={(e) => narrow(e.dataIndex ?? -1)}
        />
        <table className="data compact" data-testid="table-durations">
          <caption className="sr-only">Flows per duration bucket</caption>
          <thead>
            <tr>
              {(buckets ?? []).map((b) => (
                <th key={b.label} scope="col" className="num">
                  {b.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              {(buckets ?? []).map((b) => (
                <td key={b.label} className="num" data-key={b.label} data-value={b.flows}>
                  {formatInt(b.flows)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </QueryState>
    </Panel>
  );
}
