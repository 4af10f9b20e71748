export * from './file-chunks.ts';
export * from './format.ts';
export { Framer, truncatedError, type UnitFormat } from './framer.ts';
export * from './packet.ts';
export { MAX_RECORD_BYTES, PcapFormat, pcapRecordLength } from './pcap.ts';
export { MAX_BLOCK_BYTES, PcapngFormat } from './pcapng.ts';
export * from './reader.ts';
export * from './sink.ts';
export * from './stream.ts';
