'use client';
import { CountriesPanel } from '../overview/CountriesPanel.tsx';
import { ProtocolsPanel } from '../overview/ProtocolsPanel.tsx';
import { WithOverview } from '../overview/WithOverview.tsx';
import { DurationPanel } from './DurationPanel.tsx';
import { FlowsPerIpPanel } from './FlowsPerIpPanel.tsx';
import { TopTalkersPanel } from './TopTalkersPanel.tsx';

export function StatisticsTab() {
  return (
    <WithOverview>
      {(overview) => (
        <>
          <TopTalkersPanel />
          <FlowsPerIpPanel />
          <ProtocolsPanel protocols={overview.protocols} />
          <CountriesPanel countries={overview.countries} />
          <DurationPanel />
        </>
      )}
    </WithOverview>
  );
}
