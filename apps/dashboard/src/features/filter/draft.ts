// The filter bar edits text fields (one per query-string key); applying turns them back into a
// normalised FilterState. Pure, unit-tested.
import { FILTER_KEYS, type FilterState, PROTOCOL_NUMBERS, parseFilter, writeFilter } from './filter-state.ts';

export type Draft = Record<(typeof FILTER_KEYS)[number], string>;

export function draftFrom(f: FilterState): Draft {
  const qs = writeFilter(f);
  const d = {} as Draft;
  for (const k of FILTER_KEYS) d[k] = qs.get(k) ?? '';
  d.proto = d.proto
    .split(',')
    .filter(Boolean)
    .map((n) => Object.entries(PROTOCOL_NUMBERS).find(([, v]) => String(v) === n)?.[0] ?? n)
    .join(',');
  d.from = isoToLocalInput(d.from);
  d.to = isoToLocalInput(d.to);
  return d;
}

export function filterFromDraft(d: Draft): FilterState {
  const qs = new URLSearchParams();
  for (const k of FILTER_KEYS) if (d[k].trim()) qs.set(k, d[k].trim());
  qs.set(
    'proto',
    d.proto
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((p) => String(PROTOCOL_NUMBERS[p.toLowerCase()] ?? p))
      .join(','),
  );
  qs.set('from', localInputToIso(d.from));
  qs.set('to', localInputToIso(d.to));
  for (const k of ['cc', 'app', 'asn', 'state', 'ds', 'cap'] as const) {
    qs.set(
      k,
      d[k]
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(','),
    );
  }
  return parseFilter(qs);
}

/** "2024-04-25T10:00:00Z" → "2024-04-25T10:00:00" for <input type="datetime-local"> (shown as UTC). */
export function isoToLocalInput(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)/.exec(iso);
  return m ? m[1] : iso;
}

/** The datetime-local value, read as UTC → ISO-8601 with Z. */
export function localInputToIso(v: string): string {
  const t = v.trim();
  if (!t) return '';
  if (/[zZ]|[+-]\d{2}:\d{2}$/.test(t)) return t;
  const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(t) ? `${t}:00` : t;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(full) ? `${full}Z` : t;
}
