'use client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { CapturesDocument, MeDocument } from '../../gql/graphql';
import { ApiTokensPanel } from '../admin/ApiTokensPanel.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { CaptureList } from './CaptureList.tsx';
import { DatasetsPanel } from './DatasetsPanel.tsx';
import { ImportForm } from './ImportForm.tsx';
import { LivePanel } from './LivePanel.tsx';
import { UploadZone } from './UploadZone.tsx';

/**
 * Captures and datasets: upload, import from a URL, live listeners, live status, delete, dataset
 * management, and (admins) API tokens.
 */
export function CapturesTab() {
  const q = useQuery(CapturesDocument);
  const me = useQuery(MeDocument);
  const role = me.data?.me.role;
  const canSubmit = role === 'ANALYST' || role === 'ADMIN';
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const datasets = q.data?.datasets ?? [];
  return (
    <div className="grid">
      {canSubmit ? (
        <Panel
          title="Add captures"
          className="wide"
          testId="panel-add"
          actions={
            <label className="field inline">
              <span className="label">Into dataset</span>
              <select value={datasetId ?? ''} onChange={(e) => setDatasetId(e.target.value || null)}>
                <option value="">Default</option>
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          }
        >
          <UploadZone datasetId={datasetId} />
          <ImportForm datasetId={datasetId} />
        </Panel>
      ) : null}
      <Panel title="Captures" className="wide" testId="panel-captures">
        <QueryState loading={q.loading} error={q.error} hasData={!!q.data} onRetry={() => void q.refetch()}>
          <CaptureList captures={q.data?.captures ?? []} canDelete={canSubmit} />
        </QueryState>
      </Panel>
      {q.data ? <DatasetsPanel datasets={datasets} canManage={role === 'ADMIN'} /> : null}
      {q.data && canSubmit ? <LivePanel datasets={datasets} /> : null}
      {q.data && role === 'ADMIN' ? <ApiTokensPanel datasets={datasets} /> : null}
    </div>
  );
}
