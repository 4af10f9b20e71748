'use client';
import { useApolloClient } from '@apollo/client/react';
import { type DragEvent, useCallback, useEffect, useRef, useState } from 'react';
import { CapturesDocument } from '../../gql/graphql';
import { useAuth } from '../auth/AuthContext.tsx';
import { startUpload, type UploadHandle } from './tus.ts';
import { type UploadItem, UploadRow } from './UploadRow.tsx';

/** Drop several capture files (or pick them); each uploads resumably with its own progress. */
export function UploadZone({ datasetId }: { datasetId: string | null }) {
  const { token } = useAuth();
  const client = useApolloClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const handles = useRef(new Map<string, UploadHandle>());

  useEffect(() => {
    const all = handles.current;
    return () => {
      for (const h of all.values()) h.abort();
    };
  }, []);

  const update = useCallback((key: string, patch: Partial<UploadItem>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...patch } : i)));
  }, []);

  const add = useCallback(
    (files: FileList | File[]) => {
      for (const file of Array.from(files)) {
        const key = `${file.name}:${file.size}:${Date.now()}:${Math.random()}`;
        setItems((list) => [
          {
            key,
            name: file.name,
            size: file.size,
            sent: 0,
            phase: 'uploading',
            captureId: null,
            error: null,
          },
          ...list,
        ]);
        const h = startUpload(
          file,
          { token, datasetId },
          {
            onProgress: (sent) => update(key, { sent }),
            onCaptureId: (captureId) => update(key, { captureId }),
            onDone: () => {
              update(key, { phase: 'uploaded', sent: file.size });
              handles.current.delete(key);
              void client.refetchQueries({ include: [CapturesDocument] });
            },
            onError: (error) => {
              update(key, { phase: 'failed', error });
              handles.current.delete(key);
            },
          },
        );
        handles.current.set(key, h);
      }
    },
    [token, datasetId, update, client],
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) add(e.dataTransfer.files);
  };

  return (
    <div>
      <button
        type="button"
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        onClick={() => input.current?.click()}
        data-testid="dropzone"
      >
        <strong>Drop capture files here</strong> or click to choose
        <span className="muted">
          pcap, pcapng, Network Watcher .cap, gzip-wrapped or not; any size, resumable
        </span>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          if (e.target.files?.length) add(e.target.files);
          e.target.value = '';
        }}
      />
      {items.length ? (
        <ul className="uploads" aria-label="Uploads">
          {items.map((i) => (
            <UploadRow key={i.key} item={i} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}
