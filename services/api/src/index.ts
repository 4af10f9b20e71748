export { type RunningApi, type StartApiOptions, startApi } from './app.ts';
export { Authenticator, type Principal } from './auth.ts';
export type { ApiBackend, CaptureState, FlowsLandedEvent, LiveListenerInfo } from './backend.ts';
export { type ClusterBackend, type ClusterBackendOptions, clusterBackend } from './backend-cluster.ts';
export type { ListeningBackend } from './backend-common.ts';
export { embeddedBackend } from './backend-embedded.ts';
export { type ApiConfig, apiConfigFromEnv, DEFAULT_API_CONFIG } from './config.ts';
export { ApiError, type ApiErrorCode } from './errors.ts';
