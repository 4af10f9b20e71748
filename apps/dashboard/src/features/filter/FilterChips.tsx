'use client';
import { type FilterState, formatRange, type NumRange, protocolName } from './filter-state.ts';
import { useFilter } from './useFilter.ts';

interface Chip {
  id: string;
  label: string;
  remove: (f: FilterState) => FilterState;
}

function chips(f: FilterState): Chip[] {
  const out: Chip[] = [];
  const list = <K extends 'datasets' | 'captures' | 'protos' | 'apps' | 'countries' | 'asns' | 'states'>(
    key: K,
    name: string,
    show: (v: FilterState[K][number]) => string = String,
  ) => {
    for (const v of f[key] as FilterState[K][number][]) {
      out.push({
        id: `${key}:${v}`,
        label: `${name} ${show(v)}`,
        remove: (s) => ({ ...s, [key]: (s[key] as unknown[]).filter((x) => x !== v) }),
      });
    }
  };
  const one = (key: 'from' | 'to' | 'ip' | 'srcIp' | 'dstIp' | 'name', name: string) => {
    const v = f[key];
    if (v) out.push({ id: key, label: `${name} ${v}`, remove: (s) => ({ ...s, [key]: undefined }) });
  };
  const range = (key: 'port' | 'srcPort' | 'dstPort' | 'bytes' | 'packets' | 'duration', name: string) => {
    const v: NumRange | undefined = f[key];
    if (v)
      out.push({ id: key, label: `${name} ${formatRange(v)}`, remove: (s) => ({ ...s, [key]: undefined }) });
  };
  list('datasets', 'dataset');
  list('captures', 'capture');
  one('from', 'from');
  one('to', 'to');
  one('ip', 'ip');
  one('srcIp', 'src');
  one('dstIp', 'dst');
  range('port', 'port');
  range('srcPort', 'src port');
  range('dstPort', 'dst port');
  list('protos', 'ip proto', (n) => protocolName(n as number));
  list('apps', 'protocol');
  list('countries', 'country');
  list('asns', 'AS');
  one('name', 'name');
  range('bytes', 'bytes');
  range('packets', 'packets');
  range('duration', 'duration');
  list('states', 'state');
  return out;
}

/** The active filter as removable chips (the same on every tab). */
export function FilterChips() {
  const { filter, setFilter } = useFilter();
  const all = chips(filter);
  if (all.length === 0) return null;
  return (
    <ul className="chips" aria-label="Active filters" data-testid="filter-chips">
      {all.map((c) => (
        <li key={c.id} className="chip" data-chip={c.id}>
          {c.label}
          <button type="button" aria-label={`Remove ${c.label}`} onClick={() => setFilter(c.remove)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
