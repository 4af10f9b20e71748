'use client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { DayHourDocument } from '../../gql/graphql';
import { formatInt } from '../../lib/format.ts';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';
import { keptData } from '../ui/kept-data.ts';
import { MetricToggle } from '../ui/MetricToggle.tsx';
import { NoFlows } from '../ui/NoFlows.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { DayHourGrid, type GridMetric } from './DayHourGrid.tsx';
import { FiveMinutes } from './FiveMinutes.tsx';

/** Per hour: the day × hour grid, and the picked hour in 5-minute detail (kept in the URL). */
export function PerHourTab() {
  const { flowFilter } = useFilter();
  const [metric, setMetric] = useState<GridMetric>('flows');
  const [hourParam, setHour] = useQueryParam('hour');
  const q = useQuery(DayHourDocument, { variables: { filter: flowFilter } });
  const cells = keptData(q)?.dayHour;
  const picked = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/.exec(hourParam ?? '');
  const total = cells?.reduce((s, c) => s + c.flows, 0) ?? 0;
  return (
    <QueryState
      loading={q.loading}
      error={q.error}
      hasData={!!cells}
      empty={cells?.length === 0}
      emptyText={<NoFlows />}
      onRetry={() => void q.refetch()}
    >
      <div className="grid">
        <Panel
          title="Day × hour (UTC)"
          className="wide"
          testId="panel-day-hour"
          actions={
            <MetricToggle
              label="Grid by"
              value={metric}
              onChange={setMetric}
              options={[
                { value: 'flows', label: 'Flows' },
                { value: 'bytes', label: 'Bytes' },
              ]}
            />
          }
        >
          <p className="muted small" data-testid="day-hour-total" data-value={total}>
            {formatInt(total)} flows in {cells?.length ?? 0} hours. Click an hour for 5-minute detail.
          </p>
          <DayHourGrid
            cells={cells ?? []}
            metric={metric}
            onPick={(day, hour) => setHour(`${day}T${String(hour).padStart(2, '0')}`)}
          />
          <ul className="sr-only" data-testid="list-day-hour">
            {(cells ?? []).map((c) => (
              <li key={`${c.day}T${c.hour}`}>
                <button type="button" onClick={() => setHour(`${c.day}T${String(c.hour).padStart(2, '0')}`)}>
                  {c.day} {c.hour}:00 UTC: {c.flows} flows
                </button>
              </li>
            ))}
          </ul>
        </Panel>
        {picked ? (
          <Panel
            title={`${picked[1]} ${picked[2]}:00–${picked[2]}:59 UTC, every 5 minutes`}
            className="wide"
            testId="panel-five-minutes"
            actions={
              <button type="button" className="ghost" onClick={() => setHour(null)}>
                Close
              </button>
            }
          >
            <FiveMinutes filter={flowFilter} day={picked[1]} hour={Number(picked[2])} />
          </Panel>
        ) : null}
      </div>
    </QueryState>
  );
}
