'use client';
import { useQuery } from '@apollo/client/react';
import { useMemo } from 'react';
import { type FlowFilter, TimelineDocument } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { keptData } from '../ui/kept-data.ts';
import { QueryState } from '../ui/QueryState.tsx';

/** One hour in 5-minute steps (the timeline query with a from/to filter and step 300). */
export function FiveMinutes({
  filter,
  day,
  hour,
}: {
  filter: FlowFilter | undefined;
  day: string;
  hour: number;
}) {
  const from = `${day}T${String(hour).padStart(2, '0')}:00:00Z`;
  const to = new Date(Date.parse(from) + 3600_000).toISOString();
  // The hour, intersected with the filter's own time range.
  const later = (a: string, b?: string | null) => (b && Date.parse(b) > Date.parse(a) ? b : a);
  const earlier = (a: string, b?: string | null) => (b && Date.parse(b) < Date.parse(a) ? b : a);
  const q = useQuery(TimelineDocument, {
    variables: {
      filter: { ...filter, from: later(from, filter?.from), to: earlier(to, filter?.to) },
      step: 300,
      maxPoints: 12,
    },
  });
  const tl = keptData(q)?.timeline;
  const slots = useMemo(() => {
    // All twelve 5-minute slots of the hour, zero where the API has no point.
    const base = Date.parse(from);
    return Array.from({ length: 12 }, (_, i) => {
      const t = base + i * 300_000;
      const p = tl?.points.find((x) => Math.abs(Date.parse(x.t) - t) < 1000);
      return { t: new Date(t).toISOString().slice(11, 16), flows: p?.flows ?? 0, bytes: p?.bytes ?? 0 };
    });
  }, [tl, from]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 64, top: 28, bottom: 28 },
      xAxis: { type: 'category', data: slots.map((s) => s.t) },
      yAxis: [
        { type: 'value', name: 'flows' },
        { type: 'value', name: 'bytes', axisLabel: { formatter: (v: number) => formatBytes(v) } },
      ],
      series: [
        { id: 'flows', name: 'Flows', type: 'bar', data: slots.map((s) => s.flows) },
        { id: 'bytes', name: 'Bytes', type: 'line', yAxisIndex: 1, data: slots.map((s) => s.bytes) },
      ],
    }),
    [slots],
  );
  return (
    <QueryState loading={q.loading} error={q.error} hasData={!!tl} onRetry={() => void q.refetch()}>
      <EChart option={option} height={240} label={`Flows in 5-minute steps, ${day} ${hour}:00 UTC`} />
      <table className="data compact" data-testid="table-five-minutes">
        <caption className="sr-only">Flows per 5 minutes</caption>
        <thead>
          <tr>
            {slots.map((s) => (
              <th key={s.t} scope="col" className="num">
                {s.t}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {slots.map((s) => (
              <td key={s.t} className="num" data-key={s.t} data-value={s.flows}>
                {formatInt(s.flows)}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </QueryState>
  );
}
