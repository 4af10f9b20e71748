// Resumable uploads (tus 1.0) to the API's /api/uploads. The last PATCH answers with the id of the
// capture the upload became (header Capstream-Capture-Id).
import { Upload } from 'tus-js-client';

export interface UploadCallbacks {
  onProgress: (sent: number, total: number) => void;
  onCaptureId: (id: string) => void;
  onDone: () => void;
  onError: (message: string) => void;
}

export interface UploadHandle {
  abort: () => void;
}

export function startUpload(
  file: File,
  opts: { token: string; datasetId?: string | null },
  cb: UploadCallbacks,
): UploadHandle {
  const metadata: Record<string, string> = { filename: file.name };
  if (opts.datasetId) metadata.datasetId = opts.datasetId;
  let captureId: string | null = null;
  const upload = new Upload(file, {
    endpoint: '/api/uploads',
    headers: { Authorization: `Bearer ${opts.token}` },
    metadata,
    chunkSize: 16 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 5000],
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => cb.onProgress(sent, total),
    onAfterResponse: (_req, res) => {
      const id = res.getHeader('Capstream-Capture-Id');
      if (id && !captureId) {
        captureId = id;
        cb.onCaptureId(id);
      }
    },
    onSuccess: () => cb.onDone(),
    onError: (err) => {
      const status = (err as { originalResponse?: { getStatus(): number } }).originalResponse?.getStatus?.();
      cb.onError(status ? `${err.message.split('\n')[0]} (HTTP ${status})` : err.message.split('\n')[0]);
    },
  });
  // Resume a previous attempt of the same file (tus keeps its URL in localStorage).
  void upload
    .findPreviousUploads()
    .then((previous) => {
      if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    })
    .catch(() => upload.start());
  return { abort: () => void upload.abort() };
}
