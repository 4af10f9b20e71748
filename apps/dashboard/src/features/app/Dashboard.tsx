'use client';
import { useQuery } from '@apollo/client/react';
import dynamic from 'next/dynamic';
import type { ComponentType } from 'react';
import { MeDocument } from '../../gql/graphql';
import { useAuth } from '../auth/AuthContext.tsx';
import { FilterBar } from '../filter/FilterBar.tsx';
import { useQueryParam } from '../filter/useFilter.ts';
import { IpProfileDrawer } from '../ip-profile/IpProfileDrawer.tsx';
import { LiveIndicator } from '../live/LiveIndicator.tsx';
import { LiveUpdates } from '../live/LiveUpdates.tsx';
import { Tabs } from './Tabs.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';
import { type TabId, tabFrom } from './tabs.ts';

const loading = () => (
  <div className="state state-loading" aria-busy="true">
    <span className="spinner" aria-hidden="true" /> Loading…
  </div>
);

// Each tab is its own chunk: the map's shapes and the sankeys load only when shown.
const VIEWS: Record<TabId, ComponentType> = {
  flows: dynamic(() => import('../flows/FlowsTab.tsx').then((m) => m.FlowsTab), { ssr: false, loading }),
  overview: dynamic(() => import('../overview/OverviewTab.tsx').then((m) => m.OverviewTab), {
    ssr: false,
    loading,
  }),
  statistics: dynamic(() => import('../statistics/StatisticsTab.tsx').then((m) => m.StatisticsTab), {
    ssr: false,
    loading,
  }),
  map: dynamic(() => import('../map/MapTab.tsx').then((m) => m.MapTab), { ssr: false, loading }),
  'per-hour': dynamic(() => import('../per-hour/PerHourTab.tsx').then((m) => m.PerHourTab), {
    ssr: false,
    loading,
  }),
  captures: dynamic(() => import('../captures/CapturesTab.tsx').then((m) => m.CapturesTab), {
    ssr: false,
    loading,
  }),
  compare: dynamic(() => import('../compare/CompareTab.tsx').then((m) => m.CompareTab), {
    ssr: false,
    loading,
  }),
};

/** The signed-in page: header with tabs, the shared filter bar, the current tab, the IP profile. */
export function Dashboard() {
  const [tabParam, setTab] = useQueryParam('tab');
  const tab = tabFrom(tabParam);
  const { signOut } = useAuth();
  const me = useQuery(MeDocument);
  const View = VIEWS[tab];
  return (
    <LiveUpdates>
      <a className="skip" href="#tabpanel">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">Capstream</div>
        <Tabs current={tab} onSelect={(t) => setTab(t)} />
        <div className="topbar-right">
          <LiveIndicator />
          <ThemeToggle />
          <button
            type="button"
            className="ghost"
            onClick={() => signOut()}
            title={me.data ? `${me.data.me.name} (${me.data.me.role.toLowerCase()})` : undefined}
          >
            Sign out
          </button>
        </div>
      </header>
      <FilterBar />
      <main id="tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={-1} data-view={tab}>
        <View />
      </main>
      <IpProfileDrawer />
    </LiveUpdates>
  );
}
