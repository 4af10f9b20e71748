'use client';
import type { FlowFilter } from '../../gql/graphql';
import { exportUrl } from '../../lib/downloads.ts';
import { useAuth } from '../auth/AuthContext.tsx';

/** The filtered flows as a CSV or JSON-lines download (streamed by the API, any size). */
export function ExportLinks({ filter }: { filter: FlowFilter | undefined }) {
  const { token } = useAuth();
  return (
    <span className="export">
      Export:{' '}
      <a href={exportUrl('csv', filter, token)} download="flows.csv" data-testid="export-csv">
        CSV
      </a>{' '}
      <a href={exportUrl('jsonl', filter, token)} download="flows.jsonl" data-testid="export-jsonl">
        JSON lines
      </a>
    </span>
  );
}
