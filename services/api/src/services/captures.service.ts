import type { CaptureSource } from '@capstream/pipeline';
import { Inject, Injectable } from '@nestjs/common';
import { canSeeDataset, type Principal, requireRole } from '../auth.ts';
import type { ApiBackend, CaptureState } from '../backend.ts';
import { ApiError } from '../errors.ts';
import { BACKEND } from '../tokens.ts';

const MAX_URL = 8192;

/** What a URL names as a capture source: Azure Blob (with a SAS) or plain HTTP(S). */
export function urlSource(url: string): CaptureSource {
  let parsed: URL;
  try {
    if (typeof url !== 'string' || url.length > MAX_URL) throw new Error('too long');
    parsed = new URL(url);
  } catch {
    throw new ApiError('BAD_USER_INPUT', 'url: not a valid URL (expected http:// or https://)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ApiError(
      'BAD_USER_INPUT',
      `url: ${parsed.protocol} is not supported; use http(s), or upload the file`,
    );
  }
  const azure = /\.blob\.core\.windows\.net$/i.test(parsed.hostname) || parsed.searchParams.has('sig');
  return azure ? { kind: 'azure', url } : { kind: 'http', url };
}

@Injectable()
export class CapturesService {
  constructor(@Inject(BACKEND) private readonly backend: ApiBackend) {}

  /** The freshest state: this process's tracker first, then the store. */
  private async state(id: string): Promise<CaptureState | undefined> {
    const live = this.backend.liveState(id);
    if (live) return live;
    const stored = await this.backend.store.captures.get(id);
    if (!stored) return undefined;
    const { version: _v, ...state } = stored;
    return state;
  }

  async get(p: Principal, id: string): Promise<CaptureState | undefined> {
    const c = await this.state(id);
    return c && canSeeDataset(p, c.dataset_id) ? c : undefined;
  }

  async list(
    p: Principal,
    opts: { datasetId?: string | null; status?: CaptureState['status'] | null; first: number },
  ): Promise<CaptureState[]> {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > 10_000) {
      throw new ApiError('BAD_USER_INPUT', 'first: 1..10000');
    }
    const rows = await this.backend.store.captures.list({
      ...(opts.datasetId ? { datasetId: opts.datasetId } : {}),
      ...(opts.status ? { status: opts.status } : {}),
      limit: opts.first,
    });
    return rows
      .filter((c) => canSeeDataset(p, c.dataset_id))
      .map(({ version: _v, ...c }) => this.backend.liveState(c.capture_id) ?? c);
  }

  async submit(p: Principal, input: { url: string; name?: string | null; datasetId?: string | null }) {
    requireRole(p, 'ANALYST');
    const datasetId = await this.datasetFor(p, input.datasetId);
    const source = urlSource(input.url);
    const name = input.name?.trim() || defaultName(input.url);
    if (name.length > 200) throw new ApiError('BAD_USER_INPUT', 'name: at most 200 characters');
    return this.backend.submit({ source, name, datasetId });
  }

  /** The dataset a new capture goes to: the one asked for (that exists and the token may use). */
  async datasetFor(p: Principal, datasetId: string | null | undefined): Promise<string> {
    const id = datasetId ?? p.datasetIds[0] ?? 'default';
    if (!canSeeDataset(p, id)) throw new ApiError('FORBIDDEN', `the token may not use dataset ${id}`);
    if (id !== 'default' && !(await this.backend.store.datasets.get(id))) {
      throw new ApiError('NOT_FOUND', `no dataset ${id}: create it first (createDataset)`);
    }
    return id;
  }

  async delete(p: Principal, id: string): Promise<boolean> {
    requireRole(p, 'ANALYST');
    const c = await this.get(p, id);
    if (!c) return false;
    const deleted = await this.backend.store.captures.delete(id);
    // Its bytes too: the archive would otherwise keep every deleted capture's file.
    if (deleted) this.backend.deleteCaptureBytes(id);
    return deleted;
  }
}

function defaultName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : new URL(url).hostname;
  } catch {
    return 'capture';
  }
}
