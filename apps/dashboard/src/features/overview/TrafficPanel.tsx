'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo, useState } from 'react';
import { TimelineDocument } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

type Metric = 'bytes' | 'flows' | 'packets';

/** Traffic over time at an automatic step; click a bar to narrow the time range to it. */
export function TrafficPanel() {
  const { flowFilter, setFilter } = useFilter();
  const [metric, setMetric] = useState<Metric>('bytes');
  const q = useQuery(TimelineDocument, { variables: { filter: flowFilter, maxPoints: 300 } });
  const data = keptData(q)?.timeline;
  const option = useMemo(() => {
    const points = data?.points ?? [];
    const fmt = metric === 'bytes' ? formatBytes : formatInt;
    const series =
      metric === 'bytes'
        ? [
            { id: 'src', name: 'Sent (src → dst)', key: 'bytesSrc' as const },
            { id: 'dst', name: 'Received (dst → src)', key: 'bytesDst' as const },
          ]
        : [{ id: metric, name: metric === 'flows' ? 'Flows' : 'Packets', key: metric }];
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt(v) },
      legend: { show: series.length > 1, top: 0 },
      grid: { left: 64, right: 16, top: 28, bottom: 48 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt(v) } },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 4 }],
      series: series.map((s) => ({
        id: s.id,
        name: s.name,
        type: 'bar',
        stack: 'total',
        barMaxWidth: 24,
        data: points.map((p) => [p.t, p[s.key]]),
      })),
    };
  }, [data, metric]);
  const zoomTo = (t: string) => {
    if (!data) return;
    const from = new Date(t);
    const to = new Date(from.getTime() + data.step * 1000);
    setFilter((f) => ({ ...f, from: from.toISOString(), to: to.toISOString() }));
  };
  return (
    <Panel
      title={`Traffic over time${data ? ` (step ${data.step >= 60 ? `${data.step / 60} min` : `${data.step} s`})` : ''}`}
      testId="panel-traffic"
      className="wide"
      actions={
        <MetricToggle
          label="Traffic by"
          value={metric}
          onChange={setMetric}
          options={[
            { value: 'bytes', label: 'Bytes' },
            { value: 'flows', label: 'Flows' },
            { value: 'packets', label: 'Packets' },
          ]}
        />
      }
    >
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!data}
        empty={data?.points.length === 0}
        onRetry={() => void q.refetch()}
      >
        <EChart
          option={option}
          height={260}
          label="Traffic over time"
          onClick={(e) => Array.isArray(e.value) && zoomTo(String(e.value[0]))}
        />
      </QueryState>
    </Panel>
  );
}
