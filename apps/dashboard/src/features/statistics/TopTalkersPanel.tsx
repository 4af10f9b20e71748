'use client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { type End, type TalkerMetric, TopTalkersDocument } from '../../gql/graphql';
import { useFilter } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { TalkersTable } from './TalkersTable.tsx';

const METRICS: { value: TalkerMetric; label: string }[] = [
  { value: 'FLOWS', label: 'Flows' },
  { value: 'BYTES_SENT', label: 'Bytes sent' },
  { value: 'BYTES_RECEIVED', label: 'Bytes received' },
  { value: 'BYTES', label: 'Bytes' },
];

const ENDS: { value: End; label: string }[] = [
  { value: 'SRC', label: 'Sources' },
  { value: 'DST', label: 'Destinations' },
  { value: 'ANY', label: 'Both ends' },
];

/** Top talkers by flows or bytes, as sources, destinations or either end. */
export function TopTalkersPanel() {
  const { flowFilter } = useFilter();
  const [end, setEnd] = useState<End>('SRC');
  const [by, setBy] = useState<TalkerMetric>('FLOWS');
  const q = useQuery(TopTalkersDocument, { variables: { filter: flowFilter, end, by, limit: 15 } });
  const rows = keptData(q)?.topTalkers;
  return (
    <Panel
      title="Top talkers"
      testId="panel-top-talkers"
      className="wide"
      actions={
        <>
          <MetricToggle label="Talkers at" value={end} onChange={setEnd} options={ENDS} />
          <MetricToggle label="Talkers by" value={by} onChange={setBy} options={METRICS} />
        </>
      }
    >
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!rows}
        empty={rows?.length === 0}
        onRetry={() => void q.refetch()}
      >
        <TalkersTable rows={rows ?? []} testId="table-top-talkers" caption="Top talkers" />
      </QueryState>
    </Panel>
  );
}
