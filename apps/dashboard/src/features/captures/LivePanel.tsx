'use client';
import { useMutation, useQuery } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import {
  type CapturesQuery,
  CloseLiveListenerDocument,
  type LiveListenerFieldsFragment,
  LiveListenersDocument,
  OpenLiveListenerDocument,
} from '../../gql/graphql';
import { formatTime } from '../../lib/format.ts';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { LiveCommand } from './LiveCommand.tsx';

type Dataset = CapturesQuery['datasets'][number];

function ListenerRow({ l, datasetName }: { l: LiveListenerFieldsFragment; datasetName: string }) {
  const [close, { loading, error }] = useMutation(CloseLiveListenerDocument, {
    variables: { id: l.id },
    refetchQueries: [LiveListenersDocument],
  });
  return (
    <li data-testid="live-listener" data-listener-id={l.id} data-host={l.host} data-port={l.port}>
      <strong>
        {l.host}:{l.port}
      </strong>{' '}
      <span className="muted">
        into {datasetName} · {l.captures} captures · open since {formatTime(l.openedAt, 0)}
      </span>
      <span className="actions">
        <button
          type="button"
          className="ghost danger"
          disabled={loading}
          onClick={() => void close().catch(() => {})}
        >
          Close
        </button>
      </span>
      <div>
        <LiveCommand host={l.host} port={l.port} />
      </div>
      {error ? <span className="error-text"> {error.message}</span> : null}
    </li>
  );
}

/** Live pcap-over-IP listeners: each connection streamed into one becomes a capture. */
export function LivePanel({ datasets }: { datasets: readonly Dataset[] }) {
  const q = useQuery(LiveListenersDocument, { pollInterval: 5000 });
  const [datasetId, setDatasetId] = useState('');
  const chosen = datasetId || datasets[0]?.id || '';
  const [open, { loading, error, data }] = useMutation(OpenLiveListenerDocument, {
    refetchQueries: [LiveListenersDocument],
  });
  const onOpen = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    void open({ variables: { datasetId: chosen, port: null } }).catch(() => {});
  };
  const names = new Map(datasets.map((d) => [d.id, d.name]));
  const opened = data?.openLiveListener;
  const listeners = q.data?.liveListeners ?? [];
  return (
    <Panel title="Live capture" testId="panel-live">
      <form onSubmit={onOpen} className="inline-form" aria-label="Open a live listener">
        <label className="field inline">
          <span className="label">Dataset</span>
          <select aria-label="Live dataset" value={chosen} onChange={(e) => setDatasetId(e.target.value)}>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={loading || !chosen}>
          {loading ? 'Opening…' : 'Open listener'}
        </button>
      </form>
      {error ? (
        <p role="alert" className="error-text">
          {error.message}
        </p>
      ) : opened ? (
        <div role="status" data-testid="live-opened" data-host={opened.host} data-port={opened.port}>
          <p>
            Listening on{' '}
            <strong>
              {opened.host}:{opened.port}
            </strong>
            . Stream a capture into it; each connection becomes a capture:
          </p>
          <LiveCommand host={opened.host} port={opened.port} />
        </div>
      ) : null}
      <QueryState loading={q.loading} error={q.error} hasData={!!q.data} onRetry={() => void q.refetch()}>
        {listeners.length === 0 ? (
          <p className="muted">No listener open.</p>
        ) : (
          <ul className="datasets" data-testid="live-listeners">
            {listeners.map((l) => (
              <ListenerRow key={l.id} l={l} datasetName={names.get(l.datasetId) ?? l.datasetId} />
            ))}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}
