import { CapstreamError } from '@capstream/core';

export type StoreErrorCode =
  | 'CONFIG_INVALID' // a setting is missing or malformed (message says which and how to fix it)
  | 'STORE_IN_USE' // the chDB data directory is owned by another process, or this process holds another one
  | 'STORE_CLOSED' // the store was used after close()
  | 'SCHEMA_CONFLICT' // an existing table cannot be migrated in place (engine or sorting key differ)
  | 'MIGRATION_FAILED' // a migration step failed
  | 'INVALID_ARGUMENT' // a caller passed a value the store refuses (empty dedup token, bad timestamp...)
  | 'QUERY_FAILED'; // ClickHouse refused or failed a query; `cause` holds its error

/** The one error type of @capstream/store: a stable `code`, a message a user can act on. */
export class StoreError extends CapstreamError {
  constructor(
    override readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message);
    this.name = 'StoreError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Wrap anything thrown by the ClickHouse client as a StoreError (a StoreError passes through). */
export function storeError(code: StoreErrorCode, what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError(code, `${what}: ${reason}`, { cause: err });
}
