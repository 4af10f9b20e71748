// Opening a capture source by its description in a job.

import type { CaptureSource } from '@capstream/pipeline';
import { type AzureSourceOptions, hasSas, isAzureBlobHost, openAzureBlob } from './azure.ts';
import type { FetchPolicy, FetchPolicyOptions } from './fetch-guard.ts';
import { fetchPolicy } from './fetch-guard.ts';
import { type FileSourceOptions, openFile } from './file.ts';
import { type HttpSourceOptions, openHttp } from './http.ts';
import { displayUrl, type OpenedSource, SourceError } from './source.ts';
import type { UploadStore } from './upload-store.ts';

export * from './azure.ts';
export * from './fetch-guard.ts';
export * from './file.ts';
export * from './http.ts';
export * from './pcap-over-ip.ts';
export * from './source.ts';
export * from './upload-store.ts';

export interface SourceContext {
  /** Where `upload` sources live (embedded mode). */
  uploadStore?: UploadStore;
  /** Fetch guard policy for http and azure sources (CAPSTREAM_FETCH_ALLOW is added). */
  fetch?: FetchPolicy | FetchPolicyOptions;
  file?: Omit<FileSourceOptions, 'signal'>;
  http?: Omit<HttpSourceOptions, 'signal' | 'policy'>;
  azure?: Omit<AzureSourceOptions, 'signal' | 'policy'>;
  /** Cancels opening and reading. */
  signal?: AbortSignal;
}

/**
 * Which reader a URL needs: an https URL to an Azure Blob host with a SAS token (`sig=`) is read
 * as a blob (parallel ranges, SAS-aware errors); anything else as plain HTTP.
 */
export function urlKind(url: string): 'http' | 'azure' {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && isAzureBlobHost(u) && hasSas(u) ? 'azure' : 'http';
  } catch {
    return 'http';
  }
}

/** The source as it may be stored and shown (never a secret). */
export function displaySourceOf(source: CaptureSource): string {
  switch (source.kind) {
    case 'file':
      return source.path;
    case 'upload':
      return `upload:${source.storeKey}`;
    case 'http':
    case 'azure':
      return displayUrl(source.url);
    case 'stream':
      return `tcp://${source.remote}`;
  }
}

/**
 * The job source of a live stream from its opened source: the inverse of displaySourceOf, whose
 * `tcp://REMOTE` the pcap-over-IP listener shows (so it is not prefixed twice).
 */
export function streamSourceOf(opened: Pick<OpenedSource, 'displaySource'>): CaptureSource {
  return { kind: 'stream', remote: opened.displaySource.replace(/^tcp:\/\//, '') };
}

/** The source as it may be stored: URLs without their query string (a SAS token never stored). */
export function redactSource(source: CaptureSource): CaptureSource {
  if (source.kind === 'http' || source.kind === 'azure')
    return { kind: source.kind, url: displayUrl(source.url) };
  return source;
}

/** Opens a capture source; failures are SourceErrors whose messages say what to do. */
export async function openSource(source: CaptureSource, ctx: SourceContext = {}): Promise<OpenedSource> {
  const { signal } = ctx;
  switch (source.kind) {
    case 'file':
      return openFile(source.path, { ...ctx.file, signal });
    case 'upload': {
      if (!ctx.uploadStore) {
        throw new SourceError(
          'UNSUPPORTED',
          'uploads are not kept by this ingest instance (no upload store)',
        );
      }
      return ctx.uploadStore.open(source.storeKey, { reuseChunks: ctx.file?.reuseChunks === true });
    }
    case 'http': {
      const policy = fetchPolicy(ctx.fetch ?? {});
      if (urlKind(source.url) === 'azure') return openAzureBlob(source.url, { ...ctx.azure, policy, signal });
      return openHttp(source.url, { ...ctx.http, policy, signal });
    }
    case 'azure':
      return openAzureBlob(source.url, { ...ctx.azure, policy: fetchPolicy(ctx.fetch ?? {}), signal });
    case 'stream':
      throw new SourceError(
        'UNSUPPORTED',
        'a live stream cannot be opened by its description; it arrives on the pcap-over-IP listener',
      );
    default:
      throw new SourceError('UNSUPPORTED', `unknown source kind ${(source as { kind: string }).kind}`);
  }
}
