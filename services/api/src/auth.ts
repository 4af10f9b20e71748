import type { FlowFilter, TokenRole, TokensRepo } from '@capstream/store';
import { ApiError } from './errors.ts';

/** Who is asking: the token a request carried. */
export interface Principal {
  tokenId: string;
  name: string;
  role: TokenRole;
  /** Datasets it may see; empty means all. */
  datasetIds: string[];
}

const RANK: Readonly<Record<TokenRole, number>> = { VIEWER: 0, ANALYST: 1, ADMIN: 2 };

export function requireRole(p: Principal, role: TokenRole): void {
  if (RANK[p.role] < RANK[role]) {
    throw new ApiError('FORBIDDEN', `this needs the ${role} role; the token has ${p.role}`);
  }
}

export function canSeeDataset(p: Principal, datasetId: string): boolean {
  return p.datasetIds.length === 0 || p.datasetIds.includes(datasetId);
}

/** A filter narrowed to the datasets the principal may see. */
export function scopeFilter(p: Principal, filter: FlowFilter | null | undefined): FlowFilter {
  const f = filter ?? {};
  return p.datasetIds.length === 0 ? f : { and: [f, { datasetIds: p.datasetIds }] };
}

/** The secret of an `Authorization: Bearer` header (or an `access_token` for downloads). */
export function bearer(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Checks tokens against the store, remembering good ones for a short while. */
export class Authenticator {
  private readonly cache = new Map<string, { p: Principal; until: number }>();

  constructor(
    private readonly tokens: TokensRepo,
    private readonly ttlMs = 10_000,
  ) {}

  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined || secret === '') {
      throw new ApiError('UNAUTHENTICATED', 'send an API token: Authorization: Bearer <token>');
    }
    const hit = this.cache.get(secret);
    if (hit && hit.until > Date.now()) return hit.p;
    const t = await this.tokens.verify(secret);
    if (!t) throw new ApiError('UNAUTHENTICATED', 'unknown or revoked API token');
    const p: Principal = { tokenId: t.token_id, name: t.name, role: t.role, datasetIds: t.dataset_ids };
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(secret, { p, until: Date.now() + this.ttlMs });
    return p;
  }

  /** Forget cached tokens (after a revocation). */
  forget(): void {
    this.cache.clear();
  }
}

/**
 * Makes sure an admin token exists: the configured secret (CAPSTREAM_ADMIN_TOKEN) is registered
 * if unknown; with none configured and no token at all, one is generated. Returns the secret when
 * one was generated here (to print once), else null.
 */
export async function ensureAdminToken(
  tokens: TokensRepo,
  configured: string | null,
): Promise<string | null> {
  if (configured) {
    if (!(await tokens.verify(configured)))
      await tokens.create({ name: 'admin', role: 'ADMIN', secret: configured });
    return null;
  }
  if ((await tokens.list()).length > 0) return null;
  const { token } = await tokens.create({ name: 'admin', role: 'ADMIN' });
  return token;
}
