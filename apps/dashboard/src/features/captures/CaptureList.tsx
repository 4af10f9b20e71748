'use client';
import { useMutation, useSubscription } from '@apollo/client/react';
import {
  type CaptureFieldsFragment,
  CaptureProgressDocument,
  CapturesDocument,
  DeleteCaptureDocument,
} from '../../gql/graphql';
import { formatBytes, formatInt, formatTime } from '../../lib/format.ts';
import { useNavigate } from '../filter/useFilter.ts';
import { ProgressBar } from './ProgressBar.tsx';

/** Follows one running capture (its row re-renders from the cache as progress arrives). */
function FollowProgress({ id }: { id: string }) {
  useSubscription(CaptureProgressDocument, { variables: { id } });
  return null;
}

function CaptureRow({ c, canDelete }: { c: CaptureFieldsFragment; canDelete: boolean }) {
  const navigate = useNavigate();
  const [remove, { loading }] = useMutation(DeleteCaptureDocument, {
    variables: { id: c.id },
    refetchQueries: [CapturesDocument],
  });
  const running = c.status === 'QUEUED' || c.status === 'RUNNING';
  const status = c.status.toLowerCase();
  return (
    <tr data-testid="capture-row" data-capture-id={c.id} data-status={status}>
      <td>
        <strong>{c.name}</strong>
        <div className="muted small" title={c.source}>
          {c.source}
        </div>
      </td>
      <td>
        {running ? <FollowProgress id={c.id} /> : null}
        <ProgressBar
          fraction={c.status === 'DONE' ? 1 : c.progress.fraction}
          label={`${c.name}: ${status}`}
          status={c.status === 'DONE' ? 'done' : status}
        />
        {c.error ? <div className="error-text small">{c.error}</div> : null}
        {c.lost.length > 0 ? (
          <details className="error-text small">
            <summary>
              {c.lost.length === 1 ? '1 message' : `${c.lost.length} messages`} set aside (dead letters)
            </summary>
            <ul>
              {c.lost.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </details>
        ) : null}
      </td>
      <td className="num" data-col="bytes" data-value={c.progress.bytesRead}>
        {formatBytes(c.progress.bytesRead)}
      </td>
      <td className="num" data-col="packets" data-value={c.progress.packets}>
        {formatInt(c.progress.packets)}
      </td>
      <td className="num" data-col="flows" data-value={c.progress.flows}>
        {formatInt(c.progress.flows)}
      </td>
      <td className="small">
        {formatTime(c.firstSeen, 0)}
        <br />
        {formatTime(c.lastSeen, 0)}
      </td>
      <td className="actions">
        <button
          type="button"
          onClick={() =>
            navigate((qs) => {
              qs.set('cap', c.id);
              qs.delete('ds');
              qs.set('tab', 'overview');
              return qs;
            })
          }
        >
          View
        </button>
        {canDelete ? (
          <button
            type="button"
            className="danger"
            disabled={loading}
            onClick={() => {
              if (window.confirm(`Delete ${c.name} and all its flows?`)) void remove().catch(() => {});
            }}
          >
            Delete
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** Stored captures with live status and progress. */
export function CaptureList({
  captures,
  canDelete,
}: {
  captures: readonly CaptureFieldsFragment[];
  canDelete: boolean;
}) {
  if (captures.length === 0) return <p className="muted">No captures yet: upload one above.</p>;
  return (
    <table className="data captures" data-testid="capture-list">
      <caption className="sr-only">Captures</caption>
      <thead>
        <tr>
          <th scope="col">Capture</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Read
          </th>
          <th scope="col" className="num">
            Packets
          </th>
          <th scope="col" className="num">
            Flows
          </th>
          <th scope="col">Time span (UTC)</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {captures.map((c) => (
          <CaptureRow key={c.id} c={c} canDelete={canDelete} />
        ))}
      </tbody>
    </table>
  );
}
