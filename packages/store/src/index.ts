export type * from './analytics-repo.ts';
export { DURATION_BUCKETS, FLOW_ORDER_FIELDS, PORT_RANGES } from './analytics-repo.ts';
export type { Capture, CaptureListOptions, CapturePatch, CapturesRepo } from './captures-repo.ts';
export { newCapture, safeSource } from './captures-repo.ts';
export { type OpenStoreOptions, openStore, type Store } from './client.ts';
export {
  DEFAULT_DATABASE,
  describeStoreConfig,
  type StoreConfig,
  type StoreConfigDefaults,
  storeConfigFromEnv,
  validateStoreConfig,
} from './config.ts';
export type { Dataset, DatasetsRepo } from './datasets-repo.ts';
export type { DnsRepo } from './dns-repo.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { EXPORT_FIELDS } from './export-fields.ts';
export { cidrRange, compileFilter, type FlowFilter, type Range } from './flow-filter.ts';
export { FLOW_READ_FIELDS, type FlowField, type FlowReadOptions, type FlowsRepo } from './flows-repo.ts';
export type { MigrationReport } from './migrations.ts';
export { type ApiToken, hashToken, TOKEN_ROLES, type TokenRole, type TokensRepo } from './tokens-repo.ts';
