'use client';
import { useQuery } from '@apollo/client/react';
import { FlowDetailDocument, type FlowDetailQuery } from '../../gql/graphql';
import { countryName } from '../../lib/countries.ts';
import { flowPcapUrl } from '../../lib/downloads.ts';
import { formatBytes, formatDuration, formatInt, formatTime } from '../../lib/format.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { Drawer } from '../ui/Drawer.tsx';
import { IpLink } from '../ui/IpLink.tsx';
import { QueryState } from '../ui/QueryState.tsx';

type Flow = NonNullable<FlowDetailQuery['flow']>;

function EndInfo({ flow, end }: { flow: Flow; end: 'src' | 'dst' }) {
  const s = end === 'src';
  const ip = s ? flow.srcIp : flow.dstIp;
  const port = s ? flow.srcPort : flow.dstPort;
  const cc = s ? flow.srcCountry : flow.dstCountry;
  const city = s ? flow.srcCity : flow.dstCity;
  const asn = s ? flow.srcAsn : flow.dstAsn;
  const org = s ? flow.srcAsOrg : flow.dstAsOrg;
  const scope = s ? flow.srcScope : flow.dstScope;
  return (
    <section className="end" data-testid={`flow-${end}`}>
      <h3>{s ? 'Source (initiator)' : 'Destination (responder)'}</h3>
      <dl className="kv">
        <dt>Address</dt>
        <dd>
          <IpLink ip={ip} />
          {port !== null ? <span className="muted"> port {port}</span> : null}
        </dd>
        <dt>Scope</dt>
        <dd>{scope}</dd>
        <dt>Location</dt>
        <dd>{cc ? `${city ? `${city}, ` : ''}${countryName(cc)} (${cc})` : '–'}</dd>
        <dt>AS</dt>
        <dd>{asn ? `AS${asn}${org ? ` ${org}` : ''}` : '–'}</dd>
        <dt>Packets sent</dt>
        <dd data-value={s ? flow.packetsSrc : flow.packetsDst}>
          {formatInt(s ? flow.packetsSrc : flow.packetsDst)}
        </dd>
        <dt>Bytes sent</dt>
        <dd data-value={s ? flow.bytesSrc : flow.bytesDst}>
          {formatBytes(s ? flow.bytesSrc : flow.bytesDst)}{' '}
          <span className="muted">
            ({formatBytes(s ? flow.payloadBytesSrc : flow.payloadBytesDst)} payload)
          </span>
        </dd>
        <dt>TCP flags</dt>
        <dd>{(s ? flow.tcpFlagsSrc : flow.tcpFlagsDst) ?? '–'}</dd>
      </dl>
    </section>
  );
}

/** One flow in full, with its packets as a pcap download. */
export function FlowDetail({
  captureId,
  id,
  onClose,
}: {
  captureId: string;
  id: string;
  onClose: () => void;
}) {
  const { token } = useAuth();
  const q = useQuery(FlowDetailDocument, { variables: { captureId, id } });
  const flow = q.data?.flow;
  return (
    <Drawer title="Flow" onClose={onClose} testId="flow-detail">
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={q.data !== undefined}
        empty={q.data !== undefined && !flow}
        emptyText="This flow is no longer stored."
        onRetry={() => void q.refetch()}
      >
        {flow ? (
          <>
            <p className="flow-summary">
              <strong>{flow.app}</strong> over {flow.protocol} (IPv{flow.ipVersion})
              {flow.serverName ? (
                <>
                  {' '}
                  to <strong>{flow.serverName}</strong>
                </>
              ) : null}
              {flow.final ? null : <span className="badge live">still active</span>}
            </p>
            <dl className="kv">
              <dt>First seen</dt>
              <dd>{formatTime(flow.firstSeen, 9)}</dd>
              <dt>Last seen</dt>
              <dd>{formatTime(flow.lastSeen, 9)}</dd>
              <dt>Duration</dt>
              <dd>{formatDuration(flow.duration)}</dd>
              <dt>TCP state</dt>
              <dd>{flow.tcpState ?? '–'}</dd>
              <dt>TLS / ALPN</dt>
              <dd>
                {[flow.tlsVersion, flow.alpn, flow.quicVersion && `QUIC ${flow.quicVersion}`]
                  .filter(Boolean)
                  .join(' · ') || '–'}
              </dd>
              <dt>Tunnel</dt>
              <dd>{flow.tunnel ?? '–'}</dd>
              <dt>Flow id</dt>
              <dd>
                <code>{flow.id}</code>
              </dd>
            </dl>
            <div className="ends">
              <EndInfo flow={flow} end="src" />
              <EndInfo flow={flow} end="dst" />
            </div>
            <a
              className="button primary"
              href={flowPcapUrl(flow.captureId, flow.id, token)}
              download={`flow-${flow.id}.pcap`}
              data-testid="download-pcap"
            >
              Download packets (pcap)
            </a>
          </>
        ) : null}
      </QueryState>
    </Drawer>
  );
}
