'use client';
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import { CapturesDocument, SubmitCaptureDocument } from '../../gql/graphql';

/** Import from an http(s) URL or an Azure Blob SAS URL; the SAS token is never shown back. */
export function ImportForm({ datasetId }: { datasetId: string | null }) {
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [submit, { loading, error, data }] = useMutation(SubmitCaptureDocument, {
    refetchQueries: [CapturesDocument],
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!url.trim()) return;
    void submit({
      variables: { input: { url: url.trim(), name: name.trim() || null, datasetId } },
    })
      .then(() => {
        // The URL may carry a SAS token: clear it from the form as soon as it is sent.
        setUrl('');
        setName('');
      })
      .catch(() => {});
  };
  return (
    <form className="import" onSubmit={onSubmit} aria-label="Import from URL">
      <div className="field wide">
        <label htmlFor="import-url">URL (http, https, Azure Blob with SAS)</label>
        <input
          id="import-url"
          type="password"
          autoComplete="off"
          placeholder="https://account.blob.core.windows.net/caps/vm1.cap?sv=…&sig=…"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="import-name">Name (optional)</label>
        <input id="import-name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={loading || !url.trim()}>
        {loading ? 'Submitting…' : 'Import'}
      </button>
      {error ? (
        <p role="alert" className="error-text">
          {error.message}
        </p>
      ) : data ? (
        <p className="muted" role="status">
          Queued as {data.submitCapture.name} ({data.submitCapture.source}).
        </p>
      ) : null}
    </form>
  );
}
