// A capture in Azure Blob Storage, reached by a URL with a SAS token (or a public blob). Read with
// @azure/storage-blob: the size from getProperties(), then one stream for a small blob or ranged
// downloads in parallel for a big one (a few ranges in flight, handed on in order, so memory stays
// bounded). The ETag read first is a condition on every range: a blob that changes mid-read fails
// clearly instead of mixing two versions.
//
// The SAS token is a secret: `displaySource` is the URL without its query, and no message built
// here carries the query, the signature or an SDK message that could echo them. The host goes
// through the fetch guard like any URL, and the SDK's connections use the vetted address only.

import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
// Types only: the SDK itself (~0.2 s to load) is imported when a blob is opened, so every other
// source, and the start of every process, does without it.
import type { BlobDownloadOptions, StoragePipelineOptions, StorageRetryOptions } from '@azure/storage-blob';
import {
  type FetchPolicy,
  type FetchPolicyOptions,
  fetchPolicy,
  parseIp,
  pinnedLookup,
  vetUrl,
} from './fetch-guard.ts';
import {
  abortError,
  displayUrl,
  formatBytes,
  formatDuration,
  idleGuard,
  type OpenedSource,
  SourceError,
  scrubSecrets,
  sleep,
} from './source.ts';

/** Tries of one body read (a range, or the rest of the blob) before giving up. */
const BODY_ATTEMPTS = 4;

export interface AzureSourceOptions {
  /** The fetch guard's policy (allow-list, size and time caps); CAPSTREAM_FETCH_ALLOW is added. */
  policy?: FetchPolicy | FetchPolicyOptions;
  /** Bytes per ranged download. Default 4 MiB. */
  rangeSize?: number;
  /** Ranges in flight at once. Default 4. */
  concurrency?: number;
  /** Blobs larger than this are read in parallel ranges; others in one stream. Default 8 MiB. */
  parallelThreshold?: number;
  /** The SDK's retry policy (tries, delays). Default 4 tries from 1 s. */
  retry?: StorageRetryOptions;
  signal?: AbortSignal;
}

/** Host names of Azure Blob Storage endpoints (public and sovereign clouds). */
const BLOB_HOST =
  /\.blob\.(core\.windows\.net|core\.usgovcloudapi\.net|core\.chinacloudapi\.cn|storage\.azure\.net)$/i;

/** Whether a URL is on an Azure Blob Storage host. */
export function isAzureBlobHost(url: URL): boolean {
  return BLOB_HOST.test(url.hostname);
}

/** Whether a URL carries a SAS token (`sig=` with a service version). */
export function hasSas(url: URL): boolean {
  return url.searchParams.has('sig');
}

export interface SasInfo {
  /** `se`: when the token stops working. */
  expiresOn: Date | null;
  /** `st`: when the token starts working. */
  startsOn: Date | null;
  /** `sp`: permissions (r, w, l...). */
  permissions: string | null;
  /** `spr`: https or https,http. */
  protocol: string | null;
  /** `sip`: allowed client addresses. */
  ip: string | null;
  signature: string | null;
}

export function parseSas(url: URL): SasInfo {
  const p = url.searchParams;
  const date = (v: string | null) => {
    if (!v) return null;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : new Date(t);
  };
  return {
    expiresOn: date(p.get('se')),
    startsOn: date(p.get('st')),
    permissions: p.get('sp'),
    protocol: p.get('spr'),
    ip: p.get('sip'),
    signature: p.get('sig'),
  };
}

export async function openAzureBlob(input: string, opts: AzureSourceOptions = {}): Promise<OpenedSource> {
  const policy = fetchPolicy(opts.policy ?? {});
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SourceError('BAD_URL', `not a valid Azure Blob URL: ${displayUrl(input)}`);
  }
  url.hash = '';
  const display = displayUrl(url);
  const sas = parseSas(url);
  const secrets = [sas.signature ?? '', url.search.slice(1)].filter(Boolean);
  const rangeSize = opts.rangeSize ?? 4 * 1024 * 1024;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const parallelThreshold = opts.parallelThreshold ?? 8 * 1024 * 1024;

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SourceError('BAD_URL', `an Azure Blob URL must be https (got ${url.protocol})`);
  }
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length < 2) {
    throw new SourceError('BAD_URL', `${display} does not name a blob (expected .../CONTAINER/BLOB)`);
  }
  const clearText = () =>
    new SourceError(
      'BAD_URL',
      `${display} uses plain http, which would send the SAS token in clear; use the https URL`,
    );
  if (url.protocol === 'http:' && isAzureBlobHost(url)) throw clearText();
  const target = await vetUrl(url, policy, opts.signal);
  if (url.protocol === 'http:') {
    // Plain http would send the token in clear: only for an emulator the operator allowed by name.
    const port = target.port;
    const allowed =
      policy.allow.allowsHost(target.hostname, port) ||
      target.addresses.every((a) => policy.allow.allowsAddress(parseIp(a.address)!, port));
    if (!allowed) throw clearText();
  }

  // The SDK connects through an agent whose lookup answers with the vetted addresses only, and
  // follows no redirect (Blob Storage sends none; a redirect could lead to an unvetted host).
  const agentOpts = { keepAlive: true, maxSockets: concurrency + 1, lookup: pinnedLookup(target) };
  const agent = url.protocol === 'https:' ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  const pipelineOptions: StoragePipelineOptions & {
    agent: http.Agent;
    redirectOptions: { maxRetries: number };
  } = {
    agent,
    redirectOptions: { maxRetries: 0 },
    retryOptions: { maxTries: 4, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, ...opts.retry },
  };
  const { AnonymousCredential, BlobClient, newPipeline } = await import('@azure/storage-blob');
  const client = new BlobClient(url.toString(), newPipeline(new AnonymousCredential(), pipelineOptions));

  const ac = new AbortController();
  const signal = ac.signal;
  const timer = setTimeout(
    () =>
      ac.abort(
        new SourceError(
          'TIMEOUT',
          `reading ${display} took longer than the time cap (${formatDuration(policy.timeoutMs)}); raise the cap`,
        ),
      ),
    policy.timeoutMs,
  );
  timer.unref();
  const onOuterAbort = () => ac.abort(abortError(opts.signal));
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (!signal.aborted) ac.abort(new SourceError('ABORTED', 'the blob read was closed'));
    agent.destroy();
  };

  const fail = (err: unknown, what: string): SourceError =>
    azureError(err, { display, sas, secrets, what, signal });

  let size: number;
  let etag: string | undefined;
  try {
    const props = await client.getProperties({ abortSignal: signal });
    size = props.contentLength ?? 0;
    etag = props.etag;
  } catch (err) {
    const error = fail(err, 'reading the blob properties');
    release();
    throw error;
  }
  if (size > policy.maxBytes) {
    release();
    throw new SourceError(
      'TOO_LARGE',
      `${display} is ${formatBytes(size)}, larger than the size cap (${formatBytes(policy.maxBytes)}); ` +
        'split the capture or raise the cap',
    );
  }
  const conditions = etag ? { ifMatch: etag } : undefined;
  const downloadOptions = (): BlobDownloadOptions => ({
    abortSignal: signal,
    conditions,
    maxRetryRequests: 0, // a broken body is resumed here, under the idle watch
  });

  const idleError = () =>
    new SourceError('NETWORK', `no data from ${url.hostname} for ${formatDuration(policy.idleTimeoutMs)}`, {
      retryable: true,
    });
  /** A download's body, failing when it stalls. */
  const bodyOf = (body: Readable) =>
    idleGuard(body as AsyncIterable<Buffer>, policy.idleTimeoutMs, idleError, (err) => body.destroy(err));
  const retryOptions = { maxTries: 4, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000, ...opts.retry };
  const pause = (attempt: number) =>
    sleep(Math.min(retryOptions.maxRetryDelayInMs, retryOptions.retryDelayInMs * 2 ** (attempt - 1)), signal);

  /** One stream for the whole blob; a broken read resumes where it stopped (same ETag). */
  async function* whole(): AsyncGenerator<Uint8Array> {
    let offset = 0;
    let failures = 0;
    while (offset < size) {
      let body: Readable | undefined;
      let error: SourceError | null = null;
      try {
        const res = await client.download(offset, undefined, downloadOptions());
        body = res.readableStreamBody as Readable | undefined;
        if (!body) throw new Error('the download has no body');
        for await (const chunk of bodyOf(body)) {
          offset += chunk.length;
          failures = 0;
          yield chunk;
        }
        if (offset < size) throw new Error(`the blob ended after ${offset} of ${size} bytes`);
      } catch (err) {
        error = fail(err, `reading the blob (after ${offset} bytes)`);
      } finally {
        body?.destroy();
      }
      if (error) {
        if (!error.retryable || ++failures >= BODY_ATTEMPTS) throw error;
        await pause(failures);
      }
    }
  }

  /** Reads [offset, offset+count) into one buffer; a broken read goes on where it stopped. */
  const readRange = async (offset: number, count: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(count);
    let at = 0;
    for (let failures = 0; ; ) {
      if (signal.aborted) throw abortError(signal);
      let body: Readable | undefined;
      let error: SourceError;
      try {
        const res = await client.download(offset + at, count - at, downloadOptions());
        body = res.readableStreamBody as Readable | undefined;
        if (!body) throw new Error('the download has no body');
        for await (const chunk of bodyOf(body)) {
          if (at + chunk.length > count) throw new Error(`a range returned more than ${count} bytes`);
          chunk.copy(buf, at);
          at += chunk.length;
          failures = 0;
        }
        if (at === count) return buf;
        throw new Error(`the range at ${offset} returned ${at} of ${count} bytes`);
      } catch (err) {
        error = fail(err, `reading bytes ${offset}-${offset + count - 1}`);
      } finally {
        body?.destroy();
      }
      if (!error.retryable || ++failures >= BODY_ATTEMPTS) throw error;
      await pause(failures);
    }
  };

  /** Ranges in parallel, handed on in order; at most `concurrency` ranges held. */
  async function* ranged(): AsyncGenerator<Uint8Array> {
    const count = Math.ceil(size / rangeSize);
    const inFlight: Promise<Buffer>[] = [];
    let next = 0;
    const launch = () => {
      const offset = next * rangeSize;
      const p = readRange(offset, Math.min(rangeSize, size - offset));
      p.catch(() => {}); // awaited in order below; this only keeps an early failure from being unhandled
      inFlight.push(p);
      next++;
    };
    while (next < count && inFlight.length < concurrency) launch();
    while (inFlight.length > 0) {
      const buf = await inFlight.shift()!;
      if (next < count) launch();
      yield buf;
    }
  }

  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      if (size > parallelThreshold && size > rangeSize) yield* ranged();
      else if (size > 0) yield* whole();
    } finally {
      release();
    }
  }

  return { displaySource: display, size, stream: stream(), close: async () => release() };
}

interface AzureErrorContext {
  display: string;
  sas: SasInfo;
  secrets: string[];
  what: string;
  signal: AbortSignal;
}

const AUTH_CODES = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'InvalidAuthenticationInfo']);

/** An SDK error as a SourceError whose message says what to do and holds no secret. */
export function azureError(err: unknown, ctx: AzureErrorContext): SourceError {
  if (err instanceof SourceError) return err;
  if (ctx.signal.aborted) return abortError(ctx.signal);
  const e = (err ?? {}) as {
    name?: string;
    message?: string;
    statusCode?: number;
    code?: string;
    details?: { errorCode?: string; authenticationErrorDetail?: string; AuthenticationErrorDetail?: string };
  };
  const status = e.statusCode;
  const code = e.details?.errorCode ?? e.code ?? '';
  const detail = String(e.details?.authenticationErrorDetail ?? e.details?.AuthenticationErrorDetail ?? '');
  const { display, sas } = ctx;
  const now = Date.now();
  const scrub = (s: string) => scrubSecrets(s, ctx.secrets);

  if (e.code === 'EFORBIDDEN' || /unvetted host/.test(String(e.message))) {
    return new SourceError('FORBIDDEN_ADDRESS', `refusing to connect to an unvetted host for ${display}`);
  }
  if (e.name === 'AbortError') {
    // Not our signal: the SDK reports a connection that broke under a body as an abort.
    return new SourceError('NETWORK', `${ctx.what} of ${display} broke off (the connection was closed)`, {
      retryable: true,
    });
  }
  if (status === 403) {
    if (!sas.signature) {
      return new SourceError(
        'SAS_INVALID',
        `${display} is not public and the URL has no SAS token; create a SAS with read permission (sp=r) ` +
          'and submit the full blob SAS URL',
        { status },
      );
    }
    const expired =
      (sas.expiresOn !== null && sas.expiresOn.getTime() <= now) ||
      /signed expiry time|not valid in the specified time frame.*expiry/i.test(detail);
    if (expired) {
      return new SourceError(
        'SAS_EXPIRED',
        `the SAS token has expired (se=${sas.expiresOn?.toISOString() ?? '?'}); create a new one and submit ` +
          'the new URL',
        { status },
      );
    }
    if (sas.startsOn !== null && sas.startsOn.getTime() > now) {
      return new SourceError(
        'SAS_INVALID',
        `the SAS token is not valid yet (st=${sas.startsOn.toISOString()}); wait, or create one that starts now`,
        { status },
      );
    }
    if (code === 'AuthorizationPermissionMismatch') {
      return new SourceError(
        'SAS_INVALID',
        `the SAS token does not grant read access (sp=${sas.permissions ?? ''}); create one with read permission (r)`,
        { status },
      );
    }
    if (code === 'AuthorizationSourceIPMismatch') {
      return new SourceError(
        'SAS_INVALID',
        `the SAS token is limited to other client addresses (sip=${sas.ip ?? ''}); create one that allows this server`,
        { status },
      );
    }
    if (code === 'AuthorizationProtocolMismatch') {
      return new SourceError('SAS_INVALID', 'the SAS token does not allow this protocol; use the https URL', {
        status,
      });
    }
    if (AUTH_CODES.has(code) || code === '') {
      return new SourceError(
        'SAS_INVALID',
        `the storage account refused the SAS token for ${display} (${code || 'status 403'}): its signature does ` +
          'not match (a token copied incompletely, a rotated account key, a revoked policy) or the account ' +
          "refuses this server's address; create a new SAS URL",
        { status },
      );
    }
    return new SourceError(
      'SAS_INVALID',
      `access to ${display} was refused (${scrub(code)}); check the SAS token`,
      {
        status,
      },
    );
  }
  if (status === 404) {
    const what = code === 'ContainerNotFound' ? 'container' : 'blob';
    return new SourceError(
      'NOT_FOUND',
      `the ${what} ${display} does not exist (${scrub(code || '404')}); check the URL`,
      {
        status,
      },
    );
  }
  if (status === 412 || code === 'ConditionNotMet') {
    return new SourceError(
      'SOURCE_CHANGED',
      `${display} changed while it was being read; submit it again once it is no longer being written`,
      { status },
    );
  }
  if (status === 416) {
    return new SourceError(
      'SOURCE_CHANGED',
      `${display} is shorter than when it was first read; submit it again`,
      {
        status,
      },
    );
  }
  if (status !== undefined && status > 0) {
    return new SourceError(
      'HTTP_STATUS',
      `Azure Blob Storage answered ${status}${code ? ` (${scrub(code)})` : ''} while ${ctx.what} of ${display}` +
        (status >= 500 ? '; try again later' : ''),
      { status, retryable: status >= 500 || status === 408 || status === 429 },
    );
  }
  const msg = scrub(String(e.message ?? err))
    .split('\n')[0]
    .slice(0, 300);
  return new SourceError(
    'NETWORK',
    `${ctx.what} of ${display} failed: ${msg}${e.code && !msg.includes(e.code) ? ` (${scrub(e.code)})` : ''}`,
    { retryable: true },
  );
}
