'use client';
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import {
  CapturesDocument,
  type CapturesQuery,
  CreateDatasetDocument,
  DeleteDatasetDocument,
  UpdateDatasetDocument,
} from '../../gql/graphql';
import { Panel } from '../ui/Panel.tsx';

type Dataset = CapturesQuery['datasets'][number];

function DatasetRow({ d, canManage }: { d: Dataset; canManage: boolean }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(d.name);
  const [retention, setRetention] = useState(d.retentionDays?.toString() ?? '');
  const [update, upd] = useMutation(UpdateDatasetDocument);
  const [remove, del] = useMutation(DeleteDatasetDocument, { refetchQueries: [CapturesDocument] });
  const save = (e: FormEvent) => {
    e.preventDefault();
    void update({
      variables: {
        id: d.id,
        input: { name: name.trim() || d.name, retentionDays: retention ? Number(retention) : 0 },
      },
    })
      .then(() => setEditing(false))
      .catch(() => {});
  };
  if (editing) {
    return (
      <li>
        <form onSubmit={save} className="inline-form" aria-label={`Edit ${d.name}`}>
          <input aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} />
          <input
            aria-label="Retention (days, empty keeps everything)"
            type="number"
            min={0}
            placeholder="keep"
            value={retention}
            onChange={(e) => setRetention(e.target.value)}
          />
          <button type="submit" className="primary" disabled={upd.loading}>
            Save
          </button>
          <button type="button" className="ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {upd.error ? <span className="error-text">{upd.error.message}</span> : null}
        </form>
      </li>
    );
  }
  return (
    <li data-testid="dataset-row" data-dataset-id={d.id}>
      <strong>{d.name}</strong>{' '}
      <span className="muted">
        {d.captureCount} captures · {d.retentionDays ? `kept ${d.retentionDays} days` : 'kept forever'}
      </span>
      {canManage ? (
        <span className="actions">
          <button type="button" className="ghost" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="ghost danger"
            disabled={del.loading}
            onClick={() => {
              if (window.confirm(`Delete dataset ${d.name}, its captures and flows?`))
                void remove({ variables: { id: d.id } }).catch(() => {});
            }}
          >
            Delete
          </button>
        </span>
      ) : null}
      {del.error ? <span className="error-text"> {del.error.message}</span> : null}
    </li>
  );
}

/** Datasets group captures: create, rename, set retention, delete. */
export function DatasetsPanel({ datasets, canManage }: { datasets: readonly Dataset[]; canManage: boolean }) {
  const [name, setName] = useState('');
  const [create, { loading, error }] = useMutation(CreateDatasetDocument, {
    refetchQueries: [CapturesDocument],
  });
  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    void create({ variables: { input: { name: name.trim() } } })
      .then(() => setName(''))
      .catch(() => {});
  };
  return (
    <Panel title="Datasets" testId="panel-datasets">
      <ul className="datasets">
        {datasets.map((d) => (
          <DatasetRow key={d.id} d={d} canManage={canManage} />
        ))}
      </ul>
      {canManage ? (
        <form onSubmit={onCreate} className="inline-form" aria-label="New dataset">
          <input
            aria-label="New dataset name"
            placeholder="New dataset"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={loading || !name.trim()}>
            Create
          </button>
          {error ? <span className="error-text">{error.message}</span> : null}
        </form>
      ) : null}
    </Panel>
  );
}
