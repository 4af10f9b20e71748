// DHCP (RFC 2131) and DHCPv6 (RFC 8415) message recognition.

import { u16 } from './bytes.ts';

/** RFC 2131 §2: op, htype, hlen, hops, xid(4), secs(2), flags(2), ciaddr, yiaddr, siaddr, giaddr, chaddr(16),
 *  sname(64), file(128) = 236 bytes, then options. */
const BOOTP_FIXED = 236;

/**
 * RFC 2131 §2: "op ... 1 = BOOTREQUEST, 2 = BOOTREPLY"; §3: "The first four octets of the 'options' field of
 * the DHCP message contain the (decimal) values 99, 130, 83 and 99" (the magic cookie 0x63825363).
 */
export function isDhcp(b: Uint8Array): boolean {
  if (b.length < BOOTP_FIXED + 4 || (b[0] !== 1 && b[0] !== 2) || b[2] > 16) return false;
  return b[236] === 0x63 && b[237] === 0x82 && b[238] === 0x53 && b[239] === 0x63;
}

export const DHCPV6_CLIENT_PORT = 546;
export const DHCPV6_SERVER_PORT = 547;

/**
 * RFC 8415 §8: msg-type (1 byte), transaction-id (3 bytes), options; §9: relay messages (RELAY-FORW 12,
 * RELAY-REPL 13) have hop-count, link-address (16), peer-address (16), options; §21.1: each option is
 * option-code (2), option-len (2), data. The header is weak, so the ports corroborate and the options must
 * tile the message exactly.
 */
export function isDhcpv6(b: Uint8Array, clientPort: number, serverPort: number): boolean {
  const ports =
    clientPort === DHCPV6_CLIENT_PORT ||
    clientPort === DHCPV6_SERVER_PORT ||
    serverPort === DHCPV6_CLIENT_PORT ||
    serverPort === DHCPV6_SERVER_PORT;
  if (!ports || b.length < 4) return false;
  const type = b[0];
  if (type < 1 || type > 36) return false;
  let p = type === 12 || type === 13 ? 34 : 4;
  if (p > b.length) return false;
  let options = 0;
  while (p + 4 <= b.length) {
    p += 4 + u16(b, p + 2);
    options++;
  }
  return p === b.length && (options > 0 || type === 12 || type === 13);
}
