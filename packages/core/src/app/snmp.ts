// SNMP message recognition from its BER framing (RFC 1157 §4, RFC 3416 §3, RFC 3412 §6).

/** X.690 §8.1.3: definite length, short form (< 0x80) or long form with 1-2 length octets. Sets `lenEnd`. */
let lenEnd = 0;
function berLength(b: Uint8Array, p: number): number {
  if (p >= b.length) return -1;
  const first = b[p];
  if (first < 0x80) {
    lenEnd = p + 1;
    return first;
  }
  if (first === 0x81 && p + 1 < b.length) {
    lenEnd = p + 2;
    return b[p + 1];
  }
  if (first === 0x82 && p + 2 < b.length) {
    lenEnd = p + 3;
    return (b[p + 1] << 8) | b[p + 2];
  }
  return -1;
}

/**
 * Message ::= SEQUENCE { version INTEGER (0 = v1, 1 = v2c, 3 = v3), ... }. For v1/v2c: community OCTET STRING
 * then a PDU with context tag [0]..[8] (0xa0..0xa8); for v3: msgGlobalData SEQUENCE. The outer length must
 * match the datagram exactly.
 */
export function isSnmp(b: Uint8Array): boolean {
  if (b.length < 16 || b[0] !== 0x30) return false;
  const total = berLength(b, 1);
  if (total < 0 || lenEnd + total !== b.length) return false;
  let p = lenEnd;
  if (b[p] !== 0x02 || b[p + 1] !== 0x01) return false;
  const version = b[p + 2];
  p += 3;
  if (version === 3) return b[p] === 0x30;
  if (version > 1 || b[p] !== 0x04) return false;
  const community = berLength(b, p + 1);
  if (community < 0) return false;
  p = lenEnd + community;
  return p < b.length && b[p] >= 0xa0 && b[p] <= 0xa8;
}
