'use client';
import { NetworkStatus } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useMemo } from 'react';
import { FlowsPageDocument } from '../../gql/graphql';
import { formatInt } from '../../lib/format.ts';
import { useFilter, useQueryParam } from '../filter/useFilter.ts';
import { useLive } from '../live/LiveContext.tsx';
import { keptData } from '../ui/kept-data.ts';
import { NoFlows } from '../ui/NoFlows.tsx';
import { Panel } from '../ui/Panel.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { ColumnChooser } from './ColumnChooser.tsx';
import { FLOW_COLUMNS } from './columns.tsx';
import { ExportLinks } from './ExportLinks.tsx';
import { FlowDetail } from './FlowDetail.tsx';
import { FlowTable } from './FlowTable.tsx';
import { formatSort, nextSort, parseSort } from './sort.ts';
import { useColumns } from './useColumns.ts';

const PAGE = 200;

/** Flows: the virtualised table, its columns and sort, the detail of a clicked flow, export. */
export function FlowsTab() {
  const { flowFilter } = useFilter();
  const [sortParam, setSort] = useQueryParam('sort');
  const [flowParam, setFlow] = useQueryParam('flow');
  const [columnIds, setColumnIds] = useColumns();
  const { paused } = useLive();
  const order = parseSort(sortParam);
  const q = useQuery(FlowsPageDocument, {
    variables: { filter: flowFilter, orderBy: order, first: PAGE },
  });
  const conn = keptData(q)?.flows;
  const rows = useMemo(() => conn?.edges.map((e) => e.node) ?? [], [conn]);
  const columns = useMemo(() => FLOW_COLUMNS.filter((c) => columnIds.includes(c.id)), [columnIds]);

  // A live tick refetches the first page only; once more pages are loaded, do not yank them.
  useEffect(() => {
    if (rows.length > PAGE) paused.add('FlowsPage');
    else paused.delete('FlowsPage');
    return () => {
      paused.delete('FlowsPage');
    };
  }, [rows.length, paused]);

  const { fetchMore, networkStatus } = q;
  const endCursor = conn?.pageInfo.endCursor;
  const hasNext = conn?.pageInfo.hasNextPage;
  const needMore = useCallback(() => {
    if (!hasNext || !endCursor || networkStatus === NetworkStatus.fetchMore) return;
    void fetchMore({ variables: { after: endCursor } });
  }, [hasNext, endCursor, networkStatus, fetchMore]);

  const [selCapture, selId] = flowParam?.split('/') ?? [];

  return (
    <Panel
      title={
        <>
          Flows{' '}
          <span className="muted" data-testid="flows-total" data-value={conn?.totalCount ?? ''}>
            {conn ? formatInt(conn.totalCount) : ''}
          </span>
        </>
      }
      className="wide flows-panel"
      testId="panel-flows"
      actions={
        <>
          <ExportLinks filter={flowFilter} />
          <ColumnChooser visible={columnIds} onChange={setColumnIds} />
        </>
      }
    >
      <QueryState
        loading={q.loading}
        error={q.error}
        hasData={!!conn}
        empty={conn?.totalCount === 0}
        emptyText={<NoFlows />}
        onRetry={() => void q.refetch()}
      >
        <FlowTable
          rows={rows}
          total={conn?.totalCount ?? 0}
          columns={columns}
          order={order}
          onSort={(field) => setSort(formatSort(nextSort(order, field)))}
          onOpen={(f) => setFlow(`${f.captureId}/${f.id}`)}
          onNeedMore={needMore}
          selectedKey={flowParam}
        />
      </QueryState>
      {selCapture && selId ? (
        <FlowDetail captureId={selCapture} id={selId} onClose={() => setFlow(null)} />
      ) : null}
    </Panel>
  );
}
