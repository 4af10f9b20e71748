export * from './runtime.ts';
export * from './tracker.ts';
