// SSH protocol version exchange (RFC 4253 §4.2).

import { isVisible, matchAscii } from './bytes.ts';

/**
 * RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments CR LF"; protoversion is "2.0", or "1.99" for
 * servers that also speak the old protocol (§5.1); "1.5" is the SSH-1 version string.
 */
export function isSshBanner(b: Uint8Array): boolean {
  let p = 0;
  if (matchAscii(b, 0, 'SSH-2.0-') || matchAscii(b, 0, 'SSH-1.5-')) p = 8;
  else if (matchAscii(b, 0, 'SSH-1.99-')) p = 9;
  else return false;
  // softwareversion: printable US-ASCII, at least one character.
  return b.length > p && isVisible(b[p]);
}
