export const TABS = [
  { id: 'flows', label: 'Flows' },
  { id: 'overview', label: 'Overview' },
  { id: 'statistics', label: 'Statistics' },
  { id: 'map', label: 'Map' },
  { id: 'per-hour', label: 'Per hour' },
  { id: 'captures', label: 'Captures' },
  { id: 'compare', label: 'Compare' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

export const DEFAULT_TAB: TabId = 'overview';

export function tabFrom(value: string | null): TabId {
  return TABS.find((t) => t.id === value)?.id ?? DEFAULT_TAB;
}
