export * from './log.ts';
export * from './memory-transport.ts';
export * from './messages.ts';
export * from './stage.ts';
export * from './topics.ts';
export * from './transport.ts';
