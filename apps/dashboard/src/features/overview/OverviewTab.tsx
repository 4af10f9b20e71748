'use client';
import { CountriesPanel } from './CountriesPanel.tsx';
import { PortRangesPanel } from './PortRangesPanel.tsx';
import { ProtocolsPanel } from './ProtocolsPanel.tsx';
import { SankeyPanel } from './SankeyPanel.tsx';
import { TotalsRow } from './TotalsRow.tsx';
import { TrafficPanel } from './TrafficPanel.tsx';
import { WithOverview } from './WithOverview.tsx';

export function OverviewTab() {
  return (
    <WithOverview>
      {(overview) => (
        <>
          <TotalsRow overview={overview} />
          <TrafficPanel />
          <ProtocolsPanel protocols={overview.protocols} />
          <CountriesPanel countries={overview.countries} />
          <PortRangesPanel />
          <SankeyPanel kind="country" />
          <SankeyPanel kind="day" />
        </>
      )}
    </WithOverview>
  );
}
