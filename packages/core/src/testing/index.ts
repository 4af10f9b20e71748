// Test-fixture tooling: capture writers, packet builders and canned conversations.
export * from './address.ts';
export { concat } from './bytes.ts';
export * from './conversations.ts';
export * from './packets.ts';
export * from './payloads.ts';
export * from './pcap-writer.ts';
export {
  BLOCK_CUSTOM,
  BLOCK_CUSTOM_NOCOPY,
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_ISB,
  BLOCK_NRB,
  BLOCK_PB,
  BLOCK_SHB,
  BLOCK_SPB,
  PCAPNG_BYTE_ORDER_MAGIC,
  type PcapngInterface,
  type PcapngPacket,
  type PcapngPacketOptions,
  type PcapngSectionOptions,
  type PcapngStatistics,
  PcapngWriter,
  writePcapng,
  writePcapngFile,
} from './pcapng-writer.ts';
export * from './random.ts';
export * from './sample.ts';
