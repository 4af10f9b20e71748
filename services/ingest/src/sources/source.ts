import { redactUrl } from '@capstream/core';
// What every capture source gives the ingest stage: its bytes as a stream, what may be shown of
// it, its size when known, and errors that say what happened and what to do (never a secret).

export interface OpenedSource {
  /** The source as it may be stored and shown: never a secret (a URL without its query string). */
  displaySource: string;
  /** Total raw bytes when known (Content-Length, blob size, file size), else null. */
  size: number | null;
  /**
   * The raw bytes, in order. Read it once. Ending the iteration early (`break`, `return`) releases
   * the connection or file; an error thrown from it is a SourceError.
   */
  stream: AsyncIterable<Uint8Array>;
  /**
   * True when the stream reads into buffers it reuses: each chunk is valid until the one after
   * next is asked for, so a reader copies what it keeps longer (FileSourceOptions.reuseChunks).
   */
  reusesChunks?: boolean;
  /** Releases the source when its stream will not be read to the end (idempotent). */
  close?(): Promise<void>;
  /**
   * The regular local file the bytes come from, when they do (a path or an upload; not a FIFO):
   * the archive may keep it as a hard link instead of writing a copy.
   */
  localFile?: string;
}

export type SourceErrorCode =
  /** The file, upload or blob does not exist. */
  | 'NOT_FOUND'
  /** The local file cannot be read by this process. */
  | 'PERMISSION_DENIED'
  /** The path is a directory or something else that is not a capture file. */
  | 'NOT_A_FILE'
  /** The path is outside the folders the service may read. */
  | 'FORBIDDEN_PATH'
  /** The URL's host is (or resolves to, or redirects to) an address the service must not fetch from. */
  | 'FORBIDDEN_ADDRESS'
  /** More bytes than the size cap. */
  | 'TOO_LARGE'
  /** The transfer took longer than the time cap. */
  | 'TIMEOUT'
  /** The server answered with an error status (see `status`). */
  | 'HTTP_STATUS'
  /** More redirects than allowed, or a redirect loop. */
  | 'TOO_MANY_REDIRECTS'
  /** The connection broke and the server cannot resume (no byte ranges) after bytes were handed on. */
  | 'NOT_RESUMABLE'
  /** The resource changed on the server while it was being read. */
  | 'SOURCE_CHANGED'
  | 'SAS_EXPIRED'
  | 'SAS_INVALID'
  | 'BAD_URL'
  /** Connection, DNS or TLS trouble that retries did not get past. */
  | 'NETWORK'
  /** An upload store key that is not one the store made. */
  | 'BAD_KEY'
  /** Reading or writing local storage failed. */
  | 'IO'
  | 'ABORTED'
  | 'UNSUPPORTED';

export interface SourceErrorOptions {
  /** HTTP status, when a server answered. */
  status?: number;
  /** Worth trying again (a transient network failure, a 5xx). */
  retryable?: boolean;
  cause?: unknown;
}

/** An error a user can act on. Its message never contains a query string or a SAS token. */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly code: SourceErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(code: SourceErrorCode, message: string, opts: SourceErrorOptions = {}) {
    super(scrubSecrets(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }
}

export function isSourceError(err: unknown): err is SourceError {
  return err instanceof SourceError;
}

/** A URL as it may be shown and stored: no query string, no fragment, no user info. */
export function displayUrl(url: string | URL): string {
  return scrubSecrets(redactUrl(url.toString()));
}

/**
 * Removes what may be secret from free text (an SDK's error message, a server's answer): query
 * strings of URLs, `sig=`/`token=`-like parameters anywhere, user info in URLs, and the literal
 * `secrets` given (a SAS signature, raw and URL-encoded).
 */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([
      s,
      safeDecode(s),
      encodeURIComponent(s),
      encodeURIComponent(safeDecode(s)),
    ])) {
      out = out.split(form).join('[redacted]');
    }
  }
  // Query strings of anything that looks like a URL.
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s"'<>?#]*)\?[^\s"'<>]*/gi, '$1');
  // User info in URLs.
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>/@]+@/gi, '$1');
  // Loose secret-bearing parameters (a SAS pasted without its URL, a query echoed alone).
  out = out.replace(
    /\b(sig|signature|sas|token|access_token|code|x-amz-signature|x-goog-signature|password|secret|key)=[^\s&"'<>]*/gi,
    '$1=[redacted]',
  );
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A short description of a byte count for messages. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A short description of a duration for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

/** An AbortSignal's reason as an error (what `signal.throwIfAborted()` would throw). */
export function abortError(signal: AbortSignal | undefined): SourceError {
  const reason = signal?.reason;
  if (reason instanceof SourceError) return reason;
  return new SourceError('ABORTED', 'the capture was cancelled', { cause: reason });
}

/** Sleeps, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Iterates `src`, failing with `onIdle()` when no chunk arrives within `idleMs` while a chunk is
 * awaited. Time spent by the reader between chunks does not count: a slow consumer (back-pressure)
 * is not a stalled sender. `destroy` tears the underlying stream down so a pending read settles.
 */
export async function* idleGuard<T>(
  src: AsyncIterable<T>,
  idleMs: number,
  onIdle: () => Error,
  destroy: (err: Error) => void,
): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  let fire: ((err: Error) => void) | null = null;
  const timer = setTimeout(() => {
    if (!fire) return;
    const err = onIdle();
    fire(err);
    destroy(err);
  }, idleMs);
  timer.unref();
  try {
    for (;;) {
      timer.refresh();
      const r = await new Promise<IteratorResult<T>>((resolve, reject) => {
        fire = reject;
        it.next().then(resolve, reject);
      });
      fire = null;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    fire = null;
    clearTimeout(timer);
  }
}
