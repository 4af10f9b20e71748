'use client';
import { useMemo } from 'react';
import type { DayHourQuery } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';

export type GridMetric = 'flows' | 'bytes';
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/** Days down, hours (UTC) across, coloured by flows or bytes; click a cell to drill down. */
export function DayHourGrid({
  cells,
  metric,
  onPick,
}: {
  cells: DayHourQuery['dayHour'];
  metric: GridMetric;
  onPick: (day: string, hour: number) => void;
}) {
  const days = useMemo(() => [...new Set(cells.map((c) => c.day))].sort(), [cells]);
  const fmt = metric === 'flows' ? formatInt : formatBytes;
  const option = useMemo(() => {
    const max = Math.max(1, ...cells.map((c) => c[metric]));
    return {
      tooltip: {
        formatter: (p: { value: [number, number, number] }) =>
          `${days[p.value[1]]} ${HOURS[p.value[0]]}:00 UTC<br/>${fmt(p.value[2])}`,
      },
      grid: { left: 90, right: 16, top: 8, bottom: 64 },
      xAxis: { type: 'category', data: HOURS, splitArea: { show: true } },
      yAxis: { type: 'category', data: days, splitArea: { show: true } },
      visualMap: {
        min: 0,
        max,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 120,
        text: [fmt(max), '0'],
        inRange: { color: ['#eef4fb', '#6baed6', '#08306b'] },
      },
      series: [
        {
          id: 'grid',
          type: 'heatmap',
          data: cells.map((c) => [c.hour, days.indexOf(c.day), c[metric]]),
          emphasis: { itemStyle: { borderColor: '#e15759', borderWidth: 2 } },
        },
      ],
    };
  }, [cells, days, metric, fmt]);
  return (
    <EChart
      option={option}
      height={Math.max(180, days.length * 28 + 90)}
      label="Flows per day and hour"
      testId="day-hour-grid"
      onClick={(e) => {
        const v = e.value as [number, number, number] | undefined;
        if (v) onPick(days[v[1]], v[0]);
      }}
    />
  );
}
