'use client';
import { useCallback, useEffect, useState } from 'react';
import { DEFAULT_COLUMNS, FLOW_COLUMNS } from './columns.tsx';

const KEY = 'capstream.flowColumns';

/** The visible flow-table columns, remembered in localStorage. */
export function useColumns(): [string[], (ids: string[]) => void] {
  const [ids, setIds] = useState<string[]>(DEFAULT_COLUMNS);
  useEffect(() => {
    try {
      const stored = JSON.parse(window.localStorage.getItem(KEY) ?? 'null');
      if (Array.isArray(stored)) {
        const known = stored.filter((id) => FLOW_COLUMNS.some((c) => c.id === id));
        if (known.length) setIds(known);
      }
    } catch {
      // keep the defaults
    }
  }, []);
  const set = useCallback((next: string[]) => {
    setIds(next);
    try {
      window.localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // not remembered
    }
  }, []);
  return [ids, set];
}
