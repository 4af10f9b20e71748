/** What the first bytes of a capture say it is. Detection is by content, never by file name. */
export type ContainerKind = 'gzip' | 'pcap' | 'pcapng' | 'unknown';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Needs at least 4 bytes; returns 'unknown' for fewer. */
export function sniffContainer(head: Uint8Array): ContainerKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 4) return 'unknown';
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
  if (be === PCAPNG_SHB_TYPE) return 'pcapng';
  if (be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC || le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC) {
    return 'pcap';
  }
  return 'unknown';
}
