'use client';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { type Draft, draftFrom, filterFromDraft } from './draft.ts';
import { FilterChips } from './FilterChips.tsx';
import { EMPTY_FILTER } from './filter-state.ts';
import { ScopePicker } from './ScopePicker.tsx';
import { useFilter } from './useFilter.ts';

interface FieldSpec {
  key: keyof Draft;
  label: string;
  placeholder: string;
  type?: 'text' | 'datetime-local';
  wide?: boolean;
}

const MAIN: FieldSpec[] = [
  { key: 'from', label: 'From (UTC)', placeholder: '', type: 'datetime-local' },
  { key: 'to', label: 'To (UTC)', placeholder: '', type: 'datetime-local' },
  { key: 'ip', label: 'IP or CIDR', placeholder: '10.0.0.0/8', wide: true },
  { key: 'port', label: 'Port', placeholder: '443 or 1-1023' },
  { key: 'app', label: 'Protocol', placeholder: 'dns, tls' },
  { key: 'cc', label: 'Country', placeholder: 'DE, US' },
  { key: 'name', label: 'Name', placeholder: 'example.org', wide: true },
];

const MORE: FieldSpec[] = [
  { key: 'src', label: 'Source IP', placeholder: '192.0.2.0/24' },
  { key: 'dst', label: 'Destination IP', placeholder: '2001:db8::/32' },
  { key: 'sport', label: 'Source port', placeholder: '1024-' },
  { key: 'dport', label: 'Destination port', placeholder: '53' },
  { key: 'proto', label: 'IP protocol', placeholder: 'tcp, udp, 47' },
  { key: 'asn', label: 'ASN', placeholder: '13335' },
  { key: 'bytes', label: 'Bytes', placeholder: '1000-' },
  { key: 'pkts', label: 'Packets', placeholder: '-10' },
  { key: 'dur', label: 'Duration (s)', placeholder: '0.5-60' },
  { key: 'state', label: 'TCP state', placeholder: 'SF, REJ' },
];

/** The filter shared by every tab: edited here, applied on Enter or Apply, kept in the URL. */
export function FilterBar() {
  const { filter, setFilter } = useFilter();
  const [draft, setDraft] = useState<Draft>(() => draftFrom(filter));
  const [more, setMore] = useState(false);
  const id = useId();

  // The URL is the truth: when it changes (a click elsewhere, back/forward), the fields follow.
  useEffect(() => setDraft(draftFrom(filter)), [filter]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter((cur) => ({ ...filterFromDraft(draft), datasets: cur.datasets, captures: cur.captures }));
  };

  const field = (f: FieldSpec) => (
    <div key={f.key} className={`field${f.wide ? ' wide' : ''}`}>
      <label htmlFor={`${id}-${f.key}`}>{f.label}</label>
      <input
        id={`${id}-${f.key}`}
        name={f.key}
        type={f.type ?? 'text'}
        step={f.type === 'datetime-local' ? 1 : undefined}
        placeholder={f.placeholder}
        value={draft[f.key]}
        onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
      />
    </div>
  );

  return (
    <form className="filterbar" onSubmit={apply} aria-label="Filter" data-testid="filter-bar">
      <div className="filter-row">
        <ScopePicker />
        {MAIN.map(field)}
        <div className="filter-buttons">
          <button type="submit" className="primary">
            Apply
          </button>
          <button type="button" aria-expanded={more} onClick={() => setMore((m) => !m)}>
            {more ? 'Fewer' : 'More'}
          </button>
          <button type="button" className="ghost" onClick={() => setFilter(EMPTY_FILTER)}>
            Clear
          </button>
        </div>
      </div>
      {more ? <div className="filter-row more">{MORE.map(field)}</div> : null}
      <FilterChips />
    </form>
  );
}
