'use client';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import type { FlowFilter } from '../../gql/graphql';
import { type FilterState, parseFilter, toFlowFilter, writeFilter } from './filter-state.ts';

export type FilterUpdate = FilterState | ((current: FilterState) => FilterState);

export interface UseFilter {
  filter: FilterState;
  /** The API's filter (undefined when nothing is filtered). */
  flowFilter: FlowFilter | undefined;
  setFilter: (next: FilterUpdate) => void;
}

/** The shared filter, read from and written to the URL's query string (so it survives a reload). */
export function useFilter(): UseFilter {
  const params = useSearchParams();
  const navigate = useNavigate();
  const filter = useMemo(() => parseFilter(new URLSearchParams(params.toString())), [params]);
  const flowFilter = useMemo(() => toFlowFilter(filter), [filter]);
  const setFilter = useCallback(
    (next: FilterUpdate) => {
      navigate((qs) => {
        const value = typeof next === 'function' ? next(parseFilter(qs)) : next;
        return writeFilter(value, qs);
      });
    },
    [navigate],
  );
  return { filter, flowFilter, setFilter };
}

/**
 * Pushes a new query string computed from the current one (a history entry, no scroll). Through
 * the browser's own history.pushState, which Next's router follows (useSearchParams updates):
 * router.push would first fetch the page's RSC payload again (~30-50 ms before any query starts),
 * for a page whose content depends on nothing but the browser's data.
 */
export function useNavigate(): (change: (qs: URLSearchParams) => URLSearchParams) => void {
  const pathname = usePathname();
  return useCallback(
    (change) => {
      const next = change(new URLSearchParams(window.location.search)).toString();
      window.history.pushState(null, '', next ? `${pathname}?${next}` : pathname);
    },
    [pathname],
  );
}

/** One query-string parameter outside the filter (the tab, the IP profile...). */
export function useQueryParam(key: string): [string | null, (value: string | null) => void] {
  const params = useSearchParams();
  const navigate = useNavigate();
  const value = params.get(key);
  const set = useCallback(
    (v: string | null) =>
      navigate((qs) => {
        if (v === null || v === '') qs.delete(key);
        else qs.set(key, v);
        return qs;
      }),
    [navigate, key],
  );
  return [value, set];
}
