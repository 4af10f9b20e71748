'use client';
import { useQuery } from '@apollo/client/react';
import { useCallback } from 'react';
import { IpProfileDocument } from '../../gql/graphql';
import { countryName } from '../../lib/countries.ts';
import { formatBytes, formatInt, formatTime } from '../../lib/format.ts';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';
import { TalkersTable } from '../statistics/TalkersTable.tsx';
import { Drawer } from '../ui/Drawer.tsx';
import { keptData } from '../ui/kept-data.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { HoursStrip } from './HoursStrip.tsx';

/** The profile of the address in `?profile=` (opened by clicking any IP anywhere). */
export function IpProfileDrawer() {
  const [ip, setIp] = useQueryParam('profile');
  const close = useCallback(() => setIp(null), [setIp]);
  if (!ip) return null;
  return (
    <Drawer title={`IP ${ip}`} onClose={close} testId="ip-profile">
      <IpProfile ip={ip} />
    </Drawer>
  );
}

function IpProfile({ ip }: { ip: string }) {
  const { flowFilter, setFilter } = useFilter();
  const q = useQuery(IpProfileDocument, { variables: { ip, filter: flowFilter } });
  const p = keptData(q)?.ipProfile;
  return (
    <QueryState
      loading={q.loading}
      error={q.error}
      hasData={!!p}
      empty={p?.flows === 0}
      emptyText="No flows of this address match the filter."
      onRetry={() => void q.refetch()}
    >
      {p ? (
        <>
          <dl className="kv">
            <dt>Flows</dt>
            <dd data-testid="profile-flows" data-value={p.flows}>
              {formatInt(p.flows)}
            </dd>
            <dt>Sent / received</dt>
            <dd>
              {formatBytes(p.bytesSent)} / {formatBytes(p.bytesReceived)}
            </dd>
            <dt>Seen</dt>
            <dd>
              {formatTime(p.firstSeen, 0)} → {formatTime(p.lastSeen, 0)}
            </dd>
            <dt>Location</dt>
            <dd>{p.country ? `${p.city ? `${p.city}, ` : ''}${countryName(p.country)}` : '–'}</dd>
            <dt>AS</dt>
            <dd>{p.asn ? `AS${p.asn} ${p.asOrg ?? ''}` : '–'}</dd>
            <dt>Names</dt>
            <dd>{p.names.length ? p.names.join(', ') : '–'}</dd>
          </dl>
          <button type="button" onClick={() => setFilter((f) => ({ ...f, ip }))}>
            Filter every view by {ip}
          </button>
          <h3>Hours (UTC)</h3>
          <HoursStrip hours={p.hours} />
          <h3>Protocols</h3>
          <ul className="inline-list">
            {p.protocols.map((x) => (
              <li key={x.app}>
                {x.app} <span className="muted">{formatInt(x.flows)}</span>
              </li>
            ))}
          </ul>
          <h3>Countries it talks with</h3>
          <ul className="inline-list">
            {p.countries.map((c) => (
              <li key={c.country} title={countryName(c.country)}>
                {c.country} <span className="muted">{formatInt(c.flows)}</span>
              </li>
            ))}
          </ul>
          <h3>Peers</h3>
          <TalkersTable rows={p.peers} testId="table-peers" caption={`Peers of ${ip}`} />
        </>
      ) : null}
    </QueryState>
  );
}
