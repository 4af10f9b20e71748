'use client';
import { useSubscription } from '@apollo/client/react';
import { CaptureProgressDocument } from '../../gql/graphql';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { ProgressBar } from './ProgressBar.tsx';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  sent: number;
  phase: 'uploading' | 'uploaded' | 'failed';
  captureId: string | null;
  error: string | null;
}

/**
 * One file: its upload progress, then (once the API names the capture) its ingest progress from
 * the captureProgress subscription, until done or failed.
 */
export function UploadRow({ item }: { item: UploadItem }) {
  const sub = useSubscription(CaptureProgressDocument, {
    variables: { id: item.captureId ?? '' },
    skip: !item.captureId,
  });
  const capture = sub.data?.captureProgress;
  let status: string;
  let fraction: number | null;
  let detail: string;
  if (item.phase === 'failed') {
    status = 'failed';
    fraction = item.sent / Math.max(1, item.size);
    detail = item.error ?? 'upload failed';
  } else if (capture?.status === 'DONE') {
    status = 'done';
    fraction = 1;
    detail = `${formatInt(capture.progress.packets)} packets, ${formatInt(capture.progress.flows)} flows`;
  } else if (capture?.status === 'FAILED') {
    status = 'failed';
    fraction = capture.progress.fraction;
    detail = capture.error ?? 'ingest failed';
  } else if (capture || item.phase === 'uploaded') {
    status = 'ingesting';
    fraction = capture?.progress.fraction ?? null;
    detail = capture ? `${formatInt(capture.progress.flows)} flows so far` : 'queued';
  } else {
    status = 'uploading';
    fraction = item.sent / Math.max(1, item.size);
    detail = `${formatBytes(item.sent)} of ${formatBytes(item.size)}`;
  }
  return (
    <li
      className="upload"
      data-testid="upload-row"
      data-status={status}
      data-capture-id={item.captureId ?? ''}
    >
      <span className="upload-name">{item.name}</span>
      <ProgressBar fraction={fraction} label={`${item.name}: ${status}`} status={status} />
      <span className={`upload-detail${status === 'failed' ? ' error-text' : ''}`}>{detail}</span>
    </li>
  );
}
