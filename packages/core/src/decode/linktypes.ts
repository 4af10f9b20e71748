/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) that the decoder understands. */
export const LINKTYPE = {
  NULL: 0, // BSD loopback, host-order address family
  ETHERNET: 1,
  RAW_OPENBSD: 12, // some systems write DLT_RAW as 12 or 14
  RAW_ALT: 14,
  PPP: 9,
  RAW: 101,
  LOOP: 108, // OpenBSD loopback, network-order address family
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)',
  1: 'Ethernet',
  9: 'PPP',
  12: 'Raw IP',
  14: 'Raw IP',
  101: 'Raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  127: 'IEEE 802.11 radiotap',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `link type ${linkType}`;
}

export function isSupportedLinkType(linkType: number): boolean {
  return linkType in NAMES && linkType !== 127;
}
