// A capture behind an HTTP(S) URL, streamed. Every connection goes through the fetch guard (no
// loopback, private or metadata addresses unless allowed; checked again on each redirect). A
// broken transfer is retried with backoff and resumed with `Range: bytes=N-` (guarded by
// `If-Range`, checked against `Content-Range`); when the server cannot resume, the transfer is
// restarted only if no byte has been handed on yet, since bytes already handed on cannot be
// taken back.

import type http from 'node:http';
import {
  type FetchPolicy,
  type FetchPolicyOptions,
  fetchPolicy,
  type GuardedResponse,
  guardedGet,
} from './fetch-guard.ts';
import {
  abortError,
  displayUrl,
  formatBytes,
  formatDuration,
  idleGuard,
  type OpenedSource,
  SourceError,
  sleep,
} from './source.ts';

export interface HttpSourceOptions {
  /** The fetch guard's policy (allow-list, size and time caps); CAPSTREAM_FETCH_ALLOW is added. */
  policy?: FetchPolicy | FetchPolicyOptions;
  /** Failed attempts in a row (without a byte of progress) before giving up. Default 5. */
  attempts?: number;
  /** First retry delay in ms, doubled each time (with jitter). Default 500. */
  backoffMs?: number;
  /** Longest retry delay in ms. Default 30 000. */
  maxBackoffMs?: number;
  signal?: AbortSignal;
  /** Told about each retry (for logs: the message holds no secret). */
  onRetry?: (info: { attempt: number; offset: number; delayMs: number; error: SourceError }) => void;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Opens an HTTP(S) capture: the first response is in hand (status checked, size known) on return. */
export async function openHttp(input: string, opts: HttpSourceOptions = {}): Promise<OpenedSource> {
  const policy = fetchPolicy(opts.policy ?? {});
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SourceError('BAD_URL', `not a valid URL: ${displayUrl(input)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceError('BAD_URL', `only http and https URLs can be fetched (got ${url.protocol})`);
  }
  url.hash = '';
  const display = displayUrl(url);
  const attempts = Math.max(1, opts.attempts ?? 5);
  const backoffMs = opts.backoffMs ?? 500;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;

  // One controller for the whole transfer: the time cap and the caller's signal abort it.
  const ac = new AbortController();
  const signal = ac.signal;
  const timer = setTimeout(
    () =>
      ac.abort(
        new SourceError(
          'TIMEOUT',
          `fetching ${display} took longer than the time cap (${formatDuration(policy.timeoutMs)}); ` +
            'use a faster source or raise the cap',
        ),
      ),
    policy.timeoutMs,
  );
  timer.unref();
  const onOuterAbort = () => ac.abort(abortError(opts.signal));
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });

  let size: number | null = null;
  let rangesRefused = false; // Accept-Ranges: none
  let validator: string | null = null; // for If-Range: a strong ETag, else Last-Modified
  let failures = 0;
  let current: GuardedResponse | null = null;
  let released = false;

  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    current?.res.destroy();
    current?.req.destroy();
    current = null;
  };

  const toSourceError = (err: unknown, offset: number): SourceError => {
    if (signal.aborted) return abortError(signal);
    if (err instanceof SourceError) return err;
    const e = err as NodeJS.ErrnoException;
    const code = e?.code ?? '';
    if (code === 'EFORBIDDEN') {
      return new SourceError('FORBIDDEN_ADDRESS', `refusing to connect to an unvetted host for ${display}`);
    }
    const after = offset > 0 ? ` after ${offset} bytes` : '';
    if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'EPROTO') {
      return new SourceError('NETWORK', `TLS with ${url.hostname} failed (${code})${after}`, { cause: err });
    }
    if (NETWORK_CODES.has(code) || e?.message === 'aborted' || e?.name === 'AbortError') {
      const what =
        code === 'ECONNREFUSED'
          ? 'refused the connection'
          : code === 'ETIMEDOUT'
            ? 'did not answer in time'
            : `closed the connection${after}`;
      return new SourceError('NETWORK', `the server ${url.hostname} ${what} (${code || 'aborted'})`, {
        retryable: true,
        cause: err,
      });
    }
    return new SourceError('NETWORK', `fetching ${display} failed${after}: ${e?.message ?? String(err)}`, {
      retryable: true,
      cause: err,
    });
  };

  /** Delay before the next attempt, honouring Retry-After when the server sent one. */
  const delayFor = (attempt: number, err: SourceError & { retryAfterMs?: number }) => {
    const exp = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    const jittered = exp / 2 + Math.random() * (exp / 2);
    return Math.min(maxBackoffMs, Math.max(jittered, err.retryAfterMs ?? 0));
  };

  /** Counts a failure; throws when it is final, else waits before the next attempt. */
  const failed = async (error: SourceError, offset: number) => {
    if (!error.retryable) throw error;
    failures++;
    if (failures >= attempts) {
      throw new SourceError(
        error.code,
        `gave up on ${display} after ${failures} failed attempts in a row` +
          (offset > 0 ? ` at byte ${offset}` : '') +
          `: ${error.message}`,
        { status: error.status, cause: error },
      );
    }
    const delayMs = delayFor(failures, error);
    opts.onRetry?.({ attempt: failures, offset, delayMs, error });
    await sleep(delayMs, signal);
  };

  /** One request (with its redirects) for the bytes from `offset` on; checks the status. */
  const request = async (offset: number): Promise<GuardedResponse> => {
    const headers: Record<string, string> = {};
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      if (validator) headers['if-range'] = validator;
    }
    let g: GuardedResponse;
    try {
      g = await guardedGet(url, { policy, headers, signal });
    } catch (err) {
      throw toSourceError(err, offset);
    }
    const { res } = g;
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      discard(g);
      const err: SourceError & { retryAfterMs?: number } = new SourceError(
        'HTTP_STATUS',
        `the server answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for ${displayUrl(g.url)}` +
          statusAdvice(status),
        { status, retryable: RETRYABLE_STATUS.has(status) },
      );
      const ra = retryAfterMs(res.headers['retry-after']);
      if (ra !== null) err.retryAfterMs = ra;
      throw err;
    }
    if (offset === 0) return g;
    if (status !== 206) {
      discard(g);
      throw new SourceError(
        'NOT_RESUMABLE',
        `the server closed the connection after ${offset} bytes and does not support ranges ` +
          `(it answered the resume request with the whole file, status ${status}), so the download cannot ` +
          'be resumed and the bytes already read cannot be taken back; try again, or serve the capture ' +
          'from a server that supports byte ranges',
      );
    }
    const cr = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(String(res.headers['content-range'] ?? '').trim());
    const start = cr ? Number(cr[1]) : -1;
    const total = cr && cr[3] !== '*' ? Number(cr[3]) : null;
    if (!cr || start !== offset || (size !== null && total !== null && total !== size)) {
      discard(g);
      throw new SourceError(
        'SOURCE_CHANGED',
        `the server resumed ${display} at the wrong place (asked for bytes ${offset}- of ${size ?? '?'}, ` +
          `got Content-Range "${res.headers['content-range'] ?? ''}"); the file may have changed, try again`,
      );
    }
    return g;
  };

  /** Requests from `offset` until a good response or a final failure. */
  const openAt = async (offset: number): Promise<GuardedResponse> => {
    for (;;) {
      try {
        return await request(offset);
      } catch (err) {
        await failed(toSourceError(err, offset), offset);
      }
    }
  };

  try {
    current = await openAt(0);
  } catch (err) {
    release();
    throw err;
  }
  {
    const h = current.res.headers;
    const len = h['content-length'] !== undefined ? Number(h['content-length']) : Number.NaN;
    size = Number.isSafeInteger(len) && len >= 0 ? len : null;
    rangesRefused = String(h['accept-ranges'] ?? '').toLowerCase() === 'none';
    const etag = typeof h.etag === 'string' && !h.etag.startsWith('W/') ? h.etag : null;
    validator = etag ?? (typeof h['last-modified'] === 'string' ? h['last-modified'] : null);
    if (size !== null && size > policy.maxBytes) {
      release();
      throw tooLarge(display, policy.maxBytes, size);
    }
  }

  async function* stream(): AsyncGenerator<Uint8Array> {
    let offset = 0;
    try {
      for (;;) {
        if (!current) {
          if (offset > 0 && rangesRefused) {
            throw new SourceError(
              'NOT_RESUMABLE',
              `the server closed the connection after ${offset} bytes and does not support ranges ` +
                '(Accept-Ranges: none), so the download cannot be resumed; try again',
            );
          }
          current = await openAt(offset);
        }
        const res: http.IncomingMessage = current.res;
        const declared =
          res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
        const expectedEnd = declared !== null && Number.isSafeInteger(declared) ? offset + declared : size;
        try {
          const chunks = idleGuard(
            res as AsyncIterable<Buffer>,
            policy.idleTimeoutMs,
            () =>
              new SourceError(
                'NETWORK',
                `no data from ${url.hostname} for ${formatDuration(policy.idleTimeoutMs)}`,
                {
                  retryable: true,
                },
              ),
            (err) => res.destroy(err),
          );
          for await (const chunk of chunks) {
            offset += chunk.length;
            if (offset > policy.maxBytes) throw tooLarge(display, policy.maxBytes, null);
            failures = 0;
            yield chunk;
          }
          if (signal.aborted) throw abortError(signal);
          if (expectedEnd !== null && offset < expectedEnd) {
            const err: NodeJS.ErrnoException = new Error('aborted');
            err.code = 'ECONNRESET';
            throw err;
          }
          return;
        } catch (err) {
          const error = toSourceError(err, offset);
          res.destroy();
          current = null;
          await failed(error, offset);
        }
      }
    } finally {
      release();
    }
  }

  return {
    displaySource: display,
    size,
    stream: stream(),
    close: async () => release(),
  };
}

function discard(g: GuardedResponse): void {
  g.res.resume();
  g.res.destroy();
}

function tooLarge(display: string, max: number, size: number | null): SourceError {
  return new SourceError(
    'TOO_LARGE',
    `${display} is ${size !== null ? `${formatBytes(size)}, ` : ''}larger than the size cap (${formatBytes(max)}); ` +
      'split the capture or raise the cap',
  );
}

function statusAdvice(status: number): string {
  if (status === 401 || status === 403)
    return ': access denied; check that the URL (or its token) grants access';
  if (status === 404 || status === 410) return ': no such file; check the URL';
  if (status === 429) return ': too many requests; try again later';
  if (status >= 500) return ': a server error; try again later';
  return '';
}

function retryAfterMs(h: string | string[] | undefined): number | null {
  if (typeof h !== 'string') return null;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}
