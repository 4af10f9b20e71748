'use client';
import { useMemo } from 'react';
import type { CitiesQuery, GeoQuery } from '../../gql/graphql';
import { countryName } from '../../lib/countries.ts';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { EChart } from '../charts/EChart.tsx';
import { registerWorld } from './world.ts';

export type MapMetric = 'flows' | 'bytesSent' | 'bytesReceived';

registerWorld();

/** The choropleth (countries by the metric) with cities as points; click a country to pick it. */
export function WorldMap({
  countries,
  cities,
  metric,
  selected,
  onPick,
}: {
  countries: GeoQuery['geo'];
  cities: CitiesQuery['cities'];
  metric: MapMetric;
  selected: readonly string[];
  onPick: (country: string) => void;
}) {
  const fmt = metric === 'flows' ? formatInt : formatBytes;
  const option = useMemo(() => {
    const max = Math.max(1, ...countries.map((c) => c[metric]));
    const maxCity = Math.max(1, ...cities.map((c) => c[metric]));
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesId?: string; name: string; value?: unknown; data?: { label?: string } }) =>
          p.seriesId === 'cities'
            ? `${p.data?.label ?? p.name}<br/>${fmt(Array.isArray(p.value) ? Number(p.value[2]) : 0)}`
            : `${countryName(p.name)} (${p.name})<br/>${typeof p.value === 'number' && !Number.isNaN(p.value) ? fmt(p.value) : 'no flows'}`,
      },
      visualMap: {
        type: 'continuous',
        min: 0,
        max,
        seriesIndex: 0,
        left: 8,
        bottom: 8,
        calculable: false,
        text: [fmt(max), '0'],
        inRange: { color: ['#dbe9f6', '#9ecae1', '#4292c6', '#08519c', '#08306b'] },
      },
      geo: {
        map: 'world',
        roam: true,
        scaleLimit: { min: 1, max: 12 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#f28e2b' } },
        select: { disabled: true },
        itemStyle: { borderColor: '#8895a7', borderWidth: 0.4, areaColor: '#e9edf2' },
        regions: selected.map((name) => ({ name, itemStyle: { borderColor: '#e15759', borderWidth: 1.5 } })),
      },
      series: [
        {
          id: 'countries',
          type: 'map',
          geoIndex: 0,
          data: countries.map((c) => ({ name: c.country, value: c[metric] })),
        },
        {
          id: 'cities',
          type: 'scatter',
          coordinateSystem: 'geo',
          symbolSize: (v: number[]) => 4 + 10 * Math.sqrt(v[2] / maxCity),
          itemStyle: { color: '#e15759', opacity: 0.8 },
          data: cities
            .filter((c) => c.lat !== null && c.lon !== null)
            .map((c) => ({
              name: c.city,
              label: `${c.city}, ${c.country}`,
              country: c.country,
              value: [c.lon, c.lat, c[metric]],
            })),
        },
      ],
    };
  }, [countries, cities, metric, selected, fmt]);
  return (
    <EChart
      option={option}
      height={480}
      label="World map of flows by country"
      testId="world-map"
      onClick={(e) => {
        if (e.seriesId === 'cities') {
          const c = (e.data as { country?: string } | undefined)?.country;
          if (c) onPick(c);
        } else if (e.name && /^[A-Z]{2}$/.test(e.name)) onPick(e.name);
      }}
    />
  );
}
