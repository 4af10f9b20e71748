'use client';
import { useEffect, useRef } from 'react';
import { useTheme } from '../app/ThemeContext.tsx';
import { type ChartOption, type EChartsType, echarts } from './echarts.ts';

const withDefaults = (option: ChartOption): ChartOption => ({
  backgroundColor: 'transparent',
  aria: { enabled: true },
  ...option,
});

export interface ChartClick {
  name?: string;
  seriesId?: string;
  seriesName?: string;
  data?: unknown;
  value?: unknown;
  componentType?: string;
  dataIndex?: number;
}

/**
 * An ECharts canvas. Option changes are merged into the live chart (series replaced by id), so
 * refetched data animates in place instead of redrawing from blank.
 */
export function EChart({
  option,
  height = 280,
  label,
  onClick,
  testId,
}: {
  option: ChartOption;
  height?: number;
  /** Read by screen readers (the chart also carries ECharts' own aria description). */
  label: string;
  onClick?: (e: ChartClick) => void;
  testId?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  const latest = useRef(option);
  latest.current = option;
  /** The option the chart shows (set once at init, then on each change; never twice in a row). */
  const applied = useRef<ChartOption | null>(null);
  const { theme } = useTheme();

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    let c: EChartsType | null = null;
    // A chart made in a box without size (a tab still hidden while it loads) computes singular
    // transforms (the map throws); so it is made once the box has a size.
    const start = () => {
      if (c || node.clientWidth === 0 || node.clientHeight === 0) return;
      c = echarts.init(node, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
      chart.current = c;
      // For browser tests and the benchmark: find a region's pixel (convertToPixel) to click it.
      (node as HTMLDivElement & { chart?: EChartsType }).chart = c;
      c.on('click', (e) => click.current?.(e as ChartClick));
      c.setOption(withDefaults(latest.current));
      applied.current = latest.current;
    };
    const ro = new ResizeObserver(() => {
      if (!c) start();
      else if (node.clientWidth > 0 && node.clientHeight > 0) c.resize();
    });
    ro.observe(node);
    start();
    return () => {
      ro.disconnect();
      c?.dispose();
      chart.current = null;
      applied.current = null;
    };
  }, [theme]);

  useEffect(() => {
    if (!chart.current || applied.current === option) return;
    chart.current.setOption(withDefaults(option), {
      replaceMerge: ['series', 'xAxis', 'yAxis', 'visualMap'],
    });
    applied.current = option;
  }, [option]);

  return (
    <div
      ref={el}
      className={`chart${onClick ? ' clickable' : ''}`}
      style={{ height }}
      role="img"
      aria-label={label}
      data-testid={testId}
    />
  );
}
