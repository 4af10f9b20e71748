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
export type { DnsRepo } from './dns-repo.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export type { FlowReadOptions, FlowsRepo } from './flows-repo.ts';
export type { MigrationReport } from './migrations.ts';
