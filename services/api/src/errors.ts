import { CapstreamError } from '@capstream/core';

export type ApiErrorCode =
  | 'UNAUTHENTICATED' // no token, or one that is unknown or revoked
  | 'FORBIDDEN' // the token's role or datasets do not allow it
  | 'BAD_USER_INPUT' // an argument is invalid; the message says which and why
  | 'NOT_FOUND' // no such capture, dataset, listener or token
  | 'QUERY_TOO_COMPLEX' // depth or cost above the limits
  | 'TIMEOUT' // the store took too long: narrow the filter
  | 'INTERNAL'; // a fault on our side; details are in the API's log, not in the answer

export class ApiError extends CapstreamError {
  constructor(
    override readonly code: ApiErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** Codes of other packages' errors that are the caller's to fix. */
const USER_CODES = new Set([
  'INVALID_ARGUMENT',
  'BAD_URL',
  'FORBIDDEN_ADDRESS',
  'FORBIDDEN_PATH',
  'SAS_INVALID',
  'SAS_EXPIRED',
  'UNSUPPORTED',
  'TOO_LARGE',
  'BAD_KEY',
]);

/**
 * The one mapping from any error to what a client sees: a code and a message it can act on, and
 * never internals (SQL, stack traces, file paths) for faults on our side.
 */
export function publicError(err: unknown): {
  code: ApiErrorCode | 'GRAPHQL_VALIDATION_FAILED';
  message: string;
} {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code !== undefined && USER_CODES.has(code)) return { code: 'BAD_USER_INPUT', message };
  if (code === 'QUERY_FAILED' && /TIMEOUT_EXCEEDED|Timeout exceeded/i.test(message)) {
    return { code: 'TIMEOUT', message: 'the query took too long: narrow the filter (time range, captures)' };
  }
  return { code: 'INTERNAL', message: 'internal error: the API log has the details' };
}
