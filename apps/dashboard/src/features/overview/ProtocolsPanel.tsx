'use client';
import { useMemo, useState } from 'react';
import type { OverviewTotalsQuery } from '../../gql/graphql';
import { formatBytes, formatInt, formatPercent } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { colorFor } from '../charts/echarts.ts';
import { toggleIn } from '../filter/filter-state.ts';
import { useFilter } from '../filter/useFilter.ts';
import { DataTable } from '../ui/DataTable.tsx';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';

type Protocol = OverviewTotalsQuery['overview']['protocols'][number];
type Metric = 'flows' | 'bytes';

/** Application protocols by flows or bytes: a donut and the numbers; click one to filter. */
export function ProtocolsPanel({ protocols }: { protocols: readonly Protocol[] }) {
  const [metric, setMetric] = useState<Metric>('flows');
  const { setFilter } = useFilter();
  const total = protocols.reduce((s, p) => s + p[metric], 0);
  const pick = (app: string) => setFilter((f) => ({ ...f, apps: toggleIn(f.apps, app) }));
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      series: [
        {
          id: 'protocols',
          type: 'pie',
          radius: ['45%', '75%'],
          label: { show: false },
          data: protocols.map((p) => ({
            name: p.app,
            value: p[metric],
            itemStyle: { color: colorFor(p.app) },
          })),
        },
      ],
    }),
    [protocols, metric],
  );
  return (
    <Panel
      title="Protocols"
      testId="panel-protocols"
      actions={
        <MetricToggle
          label="Protocols by"
          value={metric}
          onChange={setMetric}
          options={[
            { value: 'flows', label: 'Flows' },
            { value: 'bytes', label: 'Bytes' },
          ]}
        />
      }
    >
      <div className="split">
        <EChart
          option={option}
          height={240}
          label={`Protocols by ${metric}`}
          onClick={(e) => e.name && pick(e.name)}
        />
        <DataTable
          rows={protocols}
          rowKey={(p) => p.app}
          caption="Protocols"
          testId="table-protocols"
          onRowClick={(p) => pick(p.app)}
          columns={[
            { key: 'app', header: 'Protocol', cell: (p) => p.app },
            {
              key: 'flows',
              header: 'Flows',
              numeric: true,
              value: (p) => p.flows,
              cell: (p) => formatInt(p.flows),
            },
            {
              key: 'bytes',
              header: 'Bytes',
              numeric: true,
              value: (p) => p.bytes,
              cell: (p) => formatBytes(p.bytes),
            },
            { key: 'share', header: 'Share', numeric: true, cell: (p) => formatPercent(p[metric], total) },
          ]}
        />
      </div>
    </Panel>
  );
}
