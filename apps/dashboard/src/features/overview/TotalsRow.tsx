'use client';
import type { OverviewTotalsQuery } from '../../gql/graphql';
import { formatBytes, formatCompact, formatInt, formatTime } from '../../lib/format.ts';
import { StatCard } from '../ui/StatCard.tsx';

/** The headline numbers of the filtered flows. */
export function TotalsRow({ overview }: { overview: OverviewTotalsQuery['overview'] }) {
  return (
    <div className="stats" data-testid="totals">
      <StatCard label="Flows" value={overview.flows} format={formatInt} testId="stat-flows" />
      <StatCard label="Packets" value={overview.packets} format={formatCompact} testId="stat-packets" />
      <StatCard label="Bytes" value={overview.bytes} format={formatBytes} testId="stat-bytes" />
      <StatCard
        label="Sent (src → dst)"
        value={overview.bytesSrc}
        format={formatBytes}
        testId="stat-bytes-src"
      />
      <StatCard
        label="Received (dst → src)"
        value={overview.bytesDst}
        format={formatBytes}
        testId="stat-bytes-dst"
      />
      <StatCard label="Addresses" value={overview.uniqueIps} format={formatInt} testId="stat-ips" />
      <StatCard label="Captures" value={overview.captures} format={formatInt} testId="stat-captures" />
      <div className="stat span" data-testid="stat-span">
        <div className="stat-value small">
          {formatTime(overview.firstSeen, 0)} → {formatTime(overview.lastSeen, 0)}
        </div>
        <div className="stat-label">Time span (UTC)</div>
      </div>
    </div>
  );
}
