export * from './format.ts';
export * from './packet.ts';
export { MAX_RECORD_BYTES } from './pcap.ts';
export { MAX_BLOCK_BYTES } from './pcapng.ts';
export * from './reader.ts';
export * from './sink.ts';
export * from './stream.ts';
