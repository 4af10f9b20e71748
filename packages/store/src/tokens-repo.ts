import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { num } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
import { API_TOKENS } from './schema.ts';

export type TokenRole = 'VIEWER' | 'ANALYST' | 'ADMIN';
export const TOKEN_ROLES: readonly TokenRole[] = ['VIEWER', 'ANALYST', 'ADMIN'];

export interface ApiToken {
  token_id: string;
  name: string;
  role: TokenRole;
  /** Datasets the token may see; empty means all. */
  dataset_ids: string[];
  created_at: string;
}

export interface TokensRepo {
  /** Makes a token and returns its secret once; only its SHA-256 is stored. */
  create(input: { name: string; role: TokenRole; datasetIds?: string[]; secret?: string }): Promise<{
    token: string;
    info: ApiToken;
  }>;
  /** The token a secret belongs to, if it exists and is not revoked. */
  verify(secret: string): Promise<ApiToken | undefined>;
  list(): Promise<ApiToken[]>;
  revoke(tokenId: string): Promise<boolean>;
}

const COLUMNS = API_TOKENS.columns.map((c) => c.name);
const PREFIX = 'cst_';

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function createTokensRepo(db: Db): TokensRepo {
  const table = db.table('api_tokens');
  const read = async (where: string, params: Record<string, unknown>) => {
    const rows = await db.rows<Record<string, unknown>>(
      'reading API tokens',
      'SELECT token_id, name, role, hash, dataset_ids, toString(toUnixTimestamp64Milli(created_at)) AS created_ms ' +
        `FROM ${table} FINAL WHERE NOT revoked ${where} ORDER BY created_at, token_id`,
      params,
    );
    return rows.map((r) => ({
      hash: String(r.hash),
      info: {
        token_id: String(r.token_id),
        name: String(r.name),
        role: String(r.role) as TokenRole,
        dataset_ids: (r.dataset_ids as string[]) ?? [],
        created_at: new Date(num(r.created_ms)).toISOString(),
      } satisfies ApiToken,
    }));
  };
  const write = async (t: ApiToken, hash: string, revoked: boolean) => {
    const row: Record<string, unknown> = {
      ...t,
      hash,
      created_at: t.created_at.replace('T', ' ').replace('Z', ''),
      revoked,
      version: Date.now() * 1000 + Math.floor(Math.random() * 1000),
    };
    await db.insert(
      `writing API token ${t.token_id}`,
      'api_tokens',
      COLUMNS,
      [COLUMNS.map((c) => row[c])],
      'JSONCompactEachRow',
      dedupSettings(''),
    );
  };
  return {
    async create(input) {
      if (!TOKEN_ROLES.includes(input.role)) {
        throw new StoreError('INVALID_ARGUMENT', `role is one of ${TOKEN_ROLES.join(', ')}`);
      }
      if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
        throw new StoreError('INVALID_ARGUMENT', 'a token name is 1 to 200 characters');
      }
      const token = input.secret ?? `${PREFIX}${randomBytes(24).toString('base64url')}`;
      if (token.length < 16) throw new StoreError('INVALID_ARGUMENT', 'a token is at least 16 characters');
      const info: ApiToken = {
        token_id: `tok_${randomBytes(6).toString('hex')}`,
        name: input.name.trim(),
        role: input.role,
        dataset_ids: input.datasetIds ?? [],
        created_at: new Date().toISOString(),
      };
      await write(info, hashToken(token), false);
      return { token, info };
    },
    async verify(secret) {
      if (typeof secret !== 'string' || secret.length < 16 || secret.length > 512) return undefined;
      const hash = hashToken(secret);
      const [found] = await read('AND hash = {hash:String}', { hash });
      if (!found || !timingSafeEqual(Buffer.from(found.hash), Buffer.from(hash))) return undefined;
      return found.info;
    },
    async list() {
      return (await read('', {})).map((r) => r.info);
    },
    async revoke(tokenId) {
      const [found] = await read('AND token_id = {id:String}', { id: tokenId });
      if (!found) return false;
      await write(found.info, found.hash, true);
      return true;
    },
  };
}
