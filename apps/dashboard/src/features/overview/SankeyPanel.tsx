'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo, useState } from 'react';
import { ProtocolCountryDocument, ProtocolDayDocument } from '../../gql/graphql';
import { EChart } from '../charts/EChart.tsx';
import { sankeyOption } from '../charts/sankey.ts';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

type Metric = 'flows' | 'bytes';

/** Protocol → country or protocol → day, as a sankey. */
export function SankeyPanel({ kind }: { kind: 'country' | 'day' }) {
  const { flowFilter } = useFilter();
  const [metric, setMetric] = useState<Metric>('flows');
  const byCountry = useQuery(ProtocolCountryDocument, {
    variables: { filter: flowFilter },
    skip: kind !== 'country',
  });
  const byDay = useQuery(ProtocolDayDocument, { variables: { filter: flowFilter }, skip: kind !== 'day' });
  const q = kind === 'country' ? byCountry : byDay;
  const links = kind === 'country' ? keptData(byCountry)?.protocolCountry : keptData(byDay)?.protocolDay;
  const option = useMemo(() => sankeyOption(links ?? [], metric), [links, metric]);
  const title = kind === 'country' ? 'Protocol → country' : 'Protocol → day';
  return (
    <Panel
      title={title}
      testId={`panel-sankey-${kind}`}
      actions={
        <MetricToggle
          label={`${title} by`}
          value={metric}
          onChange={setMetric}
          options={[
            { value: 'flows', label: 'Flows' },
            { value: 'bytes', label: 'Bytes' },
          ]}
        />
      }
    >
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!links}
        empty={links?.length === 0}
        onRetry={() => void q.refetch()}
      >
        <EChart option={option} height={320} label={title} />
      </QueryState>
    </Panel>
  );
}
