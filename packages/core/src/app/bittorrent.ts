// BitTorrent peer wire handshake (BEP 3) and DHT KRPC messages (BEP 5).

import { matchAscii } from './bytes.ts';

/** BEP 3: "The handshake starts with character ninteen (decimal) followed by the string 'BitTorrent protocol'." */
export function isBittorrentHandshake(b: Uint8Array): boolean {
  return b.length >= 20 && b[0] === 19 && matchAscii(b, 1, 'BitTorrent protocol');
}

/**
 * BEP 5: KRPC messages are bencoded dictionaries with keys in sorted order; a query starts with its "a"
 * arguments and a response with its "r" values, each holding the 20-byte node "id"; errors start with "e".
 * Some responses put the requester's "ip" first.
 */
export function isBittorrentDht(b: Uint8Array): boolean {
  if (b.length < 12 || b[0] !== 0x64) return false;
  if (matchAscii(b, 0, 'd1:ad2:id20:') || matchAscii(b, 0, 'd1:rd2:id20:') || matchAscii(b, 0, 'd1:eli'))
    return true;
  return matchAscii(b, 0, 'd2:ip6:') && matchAscii(b, 13, '1:rd2:id20:');
}
