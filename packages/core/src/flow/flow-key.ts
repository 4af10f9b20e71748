// A flow's key string: its protocol and both endpoints, the one that sorts first (A) then the other
// (B), as 16-bit code units. Flow ids are hashed from it, so its layout stays what it always was:
//   IPv4: protocol, A's address (2 units), the ports (A's << 16 | B's) high unit, B's address (2 units), low unit;
//   IPv6: 0x100 | protocol, A's address (8 units), A's port, B's address (8 units), B's port.

import { v6UnitsBytes, v6UnitsText, writeIPv6 } from '../app/ip-text.ts';
import { formatIPv4 } from '../ip-words.ts';

/** Code unit where endpoint A's address starts, and where B's starts in IPv4 and IPv6 keys. */
export const KEY_A = 1;
export const KEY_B_V4 = 4;
export const KEY_B_V6 = 10;

export function v4Key(proto: number, a: number, b: number, ports: number): string {
  return String.fromCharCode(proto, a >>> 16, a & 0xffff, ports >>> 16, b >>> 16, b & 0xffff, ports & 0xffff);
}

export function v6Key(proto: number, b: Uint8Array, aOff: number, bOff: number, ports: number): string {
  return String.fromCharCode(
    0x100 | proto,
    (b[aOff] << 8) | b[aOff + 1],
    (b[aOff + 2] << 8) | b[aOff + 3],
    (b[aOff + 4] << 8) | b[aOff + 5],
    (b[aOff + 6] << 8) | b[aOff + 7],
    (b[aOff + 8] << 8) | b[aOff + 9],
    (b[aOff + 10] << 8) | b[aOff + 11],
    (b[aOff + 12] << 8) | b[aOff + 13],
    (b[aOff + 14] << 8) | b[aOff + 15],
    ports >>> 16,
    (b[bOff] << 8) | b[bOff + 1],
    (b[bOff + 2] << 8) | b[bOff + 3],
    (b[bOff + 4] << 8) | b[bOff + 5],
    (b[bOff + 6] << 8) | b[bOff + 7],
    (b[bOff + 8] << 8) | b[bOff + 9],
    (b[bOff + 10] << 8) | b[bOff + 11],
    (b[bOff + 12] << 8) | b[bOff + 13],
    (b[bOff + 14] << 8) | b[bOff + 15],
    ports & 0xffff,
  );
}

/** An IPv4 key's address at code unit `at` (KEY_A or KEY_B_V4) as an unsigned 32-bit number. */
export function keyAddress(key: string, at: number): number {
  return ((key.charCodeAt(at) << 16) | key.charCodeAt(at + 1)) >>> 0;
}

/** A key's ports as the flow indexes hold them: endpoint A's << 16 | endpoint B's. */
export function keyPorts(key: string, ipVersion: 4 | 6): number {
  return ipVersion === 4
    ? (key.charCodeAt(3) << 16) | key.charCodeAt(6)
    : (key.charCodeAt(KEY_B_V6 - 1) << 16) | key.charCodeAt(KEY_B_V6 + 8);
}

/** The canonical text of endpoint A's or B's address. */
export function keyAddressText(key: string, ipVersion: 4 | 6, endpointA: boolean): string {
  if (ipVersion === 4) return formatIPv4(keyAddress(key, endpointA ? KEY_A : KEY_B_V4));
  return v6UnitsText(key, endpointA ? KEY_A : KEY_B_V6);
}

/** keyAddressText of an IPv6 key written at `out[p]`; returns the end. */
export function writeKeyAddressV6(out: Uint8Array, p: number, key: string, endpointA: boolean): number {
  return writeIPv6(out, p, v6UnitsBytes(key, endpointA ? KEY_A : KEY_B_V6), 0);
}
