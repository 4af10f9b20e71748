'use client';
import { useMutation, useQuery } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import {
  type ApiTokenFieldsFragment,
  ApiTokensDocument,
  type CapturesQuery,
  CreateApiTokenDocument,
  RevokeApiTokenDocument,
  type Role,
} from '../../gql/graphql';
import { formatTime } from '../../lib/format.ts';
import { CopyButton } from '../ui/CopyButton.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';

type Dataset = CapturesQuery['datasets'][number];

const ROLES: readonly Role[] = ['VIEWER', 'ANALYST', 'ADMIN'];

function TokenRow({ t, names }: { t: ApiTokenFieldsFragment; names: Map<string, string> }) {
  const [revoke, { loading, error }] = useMutation(RevokeApiTokenDocument, {
    variables: { id: t.id },
    refetchQueries: [ApiTokensDocument],
  });
  const scope = t.datasetIds.length
    ? t.datasetIds.map((id) => names.get(id) ?? id).join(', ')
    : 'all datasets';
  return (
    <li data-testid="api-token" data-token-id={t.id} data-token-name={t.name}>
      <strong>{t.name}</strong>{' '}
      <span className="muted">
        {t.role.toLowerCase()} · {scope} · created {formatTime(t.createdAt, 0)}
      </span>
      <span className="actions">
        <button
          type="button"
          className="ghost danger"
          disabled={loading}
          onClick={() => {
            if (window.confirm(`Revoke the token ${t.name}? Anything using it stops working.`))
              void revoke().catch(() => {});
          }}
        >
          Revoke
        </button>
      </span>
      {error ? <span className="error-text"> {error.message}</span> : null}
    </li>
  );
}

/** API tokens (admins only): list, create (the secret is shown once), revoke. */
export function ApiTokensPanel({ datasets }: { datasets: readonly Dataset[] }) {
  const q = useQuery(ApiTokensDocument);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [scope, setScope] = useState<string[]>([]);
  const [create, { loading, error, data, reset }] = useMutation(CreateApiTokenDocument, {
    refetchQueries: [ApiTokensDocument],
  });
  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    void create({
      variables: { input: { name: name.trim(), role, datasetIds: scope.length ? scope : null } },
    })
      .then(() => {
        setName('');
        setScope([]);
      })
      .catch(() => {});
  };
  const names = new Map(datasets.map((d) => [d.id, d.name]));
  const created = data?.createApiToken;
  const tokens = q.data?.apiTokens ?? [];
  return (
    <Panel title="API tokens" testId="panel-tokens">
      <QueryState loading={q.loading} error={q.error} hasData={!!q.data} onRetry={() => void q.refetch()}>
        <ul className="datasets" data-testid="api-tokens">
          {tokens.map((t) => (
            <TokenRow key={t.id} t={t} names={names} />
          ))}
        </ul>
      </QueryState>
      <form onSubmit={onCreate} className="inline-form" aria-label="New API token">
        <input
          aria-label="Token name"
          placeholder="New token name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <select aria-label="Token role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r.toLowerCase()}
            </option>
          ))}
        </select>
        <select
          aria-label="Token datasets (none selected: all)"
          multiple
          value={scope}
          onChange={(e) => setScope(Array.from(e.target.selectedOptions, (o) => o.value))}
        >
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        <button type="submit" disabled={loading || !name.trim()}>
          Create
        </button>
      </form>
      {error ? (
        <p role="alert" className="error-text">
          {error.message}
        </p>
      ) : created ? (
        <div role="status" data-testid="new-token">
          <p>
            Token <strong>{created.info.name}</strong> ({created.info.role.toLowerCase()}) created. Copy its
            secret now: it will not be shown again.
          </p>
          <span className="inline-form">
            <code data-testid="new-token-secret">{created.token}</code>
            <CopyButton text={created.token} label="Copy token" />
            <button type="button" className="ghost" onClick={() => reset()}>
              Done
            </button>
          </span>
        </div>
      ) : null}
    </Panel>
  );
}
