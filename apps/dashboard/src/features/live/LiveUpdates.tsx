'use client';
import { useApolloClient, useSubscription } from '@apollo/client/react';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CapturesChangedDocument, CapturesDocument, FlowsLandedDocument } from '../../gql/graphql';
import { useFilter } from '../filter/useFilter.ts';
import { LiveContext } from './LiveContext.tsx';

/** At most one refetch of what is on screen per this many ms while flows land. */
const REFETCH_EVERY_MS = 1500;

/**
 * Keeps the screen live: a `flowsLanded` tick (for a capture the filter can see) or a capture
 * status change refetches the active queries, throttled. Refetched data replaces the old in
 * place (charts merge, tables keep their rows), so nothing blinks.
 */
export function LiveUpdates({ children }: { children: ReactNode }) {
  const client = useApolloClient();
  const { flowFilter } = useFilter();
  const [lastTick, setLastTick] = useState<Date | null>(null);
  const paused = useMemo(() => new Set<string>(), []);
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refetch = useCallback(() => {
    const run = () => {
      timer.current = null;
      last.current = Date.now();
      void client.refetchQueries({
        include: 'active',
        onQueryUpdated: (oq) => !paused.has(oq.queryName ?? ''),
      });
    };
    if (timer.current) return;
    const wait = Math.max(0, last.current + REFETCH_EVERY_MS - Date.now());
    timer.current = setTimeout(run, wait);
  }, [client, paused]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const sees = useCallback(
    (captureId: string, datasetId: string) =>
      (!flowFilter?.captureIds || flowFilter.captureIds.includes(captureId)) &&
      (!flowFilter?.datasetIds || flowFilter.datasetIds.includes(datasetId)),
    [flowFilter],
  );

  useSubscription(FlowsLandedDocument, {
    onData: ({ data }) => {
      const tick = data.data?.flowsLanded;
      if (!tick) return;
      setLastTick(new Date());
      if (sees(tick.captureId, tick.datasetId)) refetch();
    },
  });

  useSubscription(CapturesChangedDocument, {
    onData: ({ data }) => {
      const capture = data.data?.capturesChanged;
      if (!capture) return;
      setLastTick(new Date());
      // The capture itself is updated in the cache by id; a new one needs the list refetched.
      const list = client.readQuery({ query: CapturesDocument });
      if (list && !list.captures.some((c) => c.id === capture.id)) {
        void client.refetchQueries({ include: [CapturesDocument] });
      }
      if (capture.status === 'DONE' || capture.status === 'FAILED') refetch();
    },
  });

  const value = useMemo(() => ({ lastTick, paused }), [lastTick, paused]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
