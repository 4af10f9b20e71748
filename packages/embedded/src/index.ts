export * from './config.ts';
export * from './roles.ts';
export * from './runtime.ts';
export * from './tracker.ts';
