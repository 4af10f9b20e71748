import type { ChartOption } from './echarts.ts';

export interface Link {
  source: string;
  target: string;
  flows: number;
  bytes: number;
}

/**
 * A sankey option from source → target links. A target named like a source gets an invisible
 * suffix, so the graph can never have a cycle (ECharts refuses cycles).
 */
export function sankeyOption(links: readonly Link[], metric: 'flows' | 'bytes'): ChartOption {
  const sources = new Set(links.map((l) => l.source));
  const targetName = (t: string) => (sources.has(t) ? `${t}\u200b` : t);
  const names = new Set<string>();
  for (const l of links) {
    names.add(l.source);
    names.add(targetName(l.target));
  }
  return {
    tooltip: { trigger: 'item' },
    series: [
      {
        id: 'sankey',
        type: 'sankey',
        left: 8,
        right: 90,
        top: 8,
        bottom: 8,
        nodeGap: 6,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', opacity: 0.35 },
        label: { fontSize: 11 },
        data: [...names].map((name) => ({ name })),
        links: links
          .filter((l) => l[metric] > 0)
          .map((l) => ({ source: l.source, target: targetName(l.target), value: l[metric] })),
      },
    ],
  };
}
