import { ApiError } from './errors.ts';

/** The API's settings, read and checked in one place. */
export interface ApiConfig {
  host: string;
  port: number;
  /** CAPSTREAM_ADMIN_TOKEN: the first admin token's secret (else one is generated). */
  adminToken: string | null;
  /** Largest `first` of a flows page. */
  maxPageSize: number;
  /** Deepest query accepted. */
  maxDepth: number;
  /** Most fields (counting list fields by their size) a query may ask for. */
  maxCost: number;
  /** ClickHouse max_execution_time for API queries, seconds. */
  queryTimeoutSeconds: number;
  /** Largest GraphQL request body, bytes (uploads go through /api/uploads, not here). */
  bodyLimit: number;
  /** Where the dashboard's static export is; null serves none. */
  dashboardDir: string | null;
}

export const DEFAULT_API_CONFIG: ApiConfig = {
  host: '127.0.0.1',
  port: 8080,
  adminToken: null,
  maxPageSize: 1000,
  maxDepth: 8,
  maxCost: 50_000,
  queryTimeoutSeconds: 20,
  bodyLimit: 1 << 20,
  dashboardDir: null,
};

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError('BAD_USER_INPUT', `${name}=${raw}: expected a whole number ${min}..${max}`);
  }
  return n;
}

/** Settings from the environment (CAPSTREAM_API_*), over the given ones. */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv, base: Partial<ApiConfig> = {}): ApiConfig {
  const c = { ...DEFAULT_API_CONFIG, ...base };
  const admin = env.CAPSTREAM_ADMIN_TOKEN?.trim();
  if (admin !== undefined && admin !== '' && admin.length < 16) {
    throw new ApiError('BAD_USER_INPUT', 'CAPSTREAM_ADMIN_TOKEN must be at least 16 characters');
  }
  return {
    ...c,
    adminToken: admin ? admin : c.adminToken,
    maxPageSize: int(env, 'CAPSTREAM_API_MAX_PAGE_SIZE', c.maxPageSize, 1, 100_000),
    maxDepth: int(env, 'CAPSTREAM_API_MAX_DEPTH', c.maxDepth, 2, 64),
    maxCost: int(env, 'CAPSTREAM_API_MAX_COST', c.maxCost, 10, 10_000_000),
    queryTimeoutSeconds: int(env, 'CAPSTREAM_API_QUERY_TIMEOUT_S', c.queryTimeoutSeconds, 1, 3600),
    bodyLimit: int(env, 'CAPSTREAM_API_BODY_LIMIT', c.bodyLimit, 1024, 64 << 20),
  };
}
