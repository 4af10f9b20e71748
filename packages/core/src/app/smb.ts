// SMB over TCP (MS-SMB2 §2.1 "Direct TCP transport", MS-CIFS §2.1.1.2) and the NetBIOS session service
// (RFC 1002 §4.3) that carries it on port 139.

import { matchAscii, u16, u24 } from './bytes.ts';

/**
 * RFC 1002 §4.3.1 / MS-SMB2 §2.1: a zero byte (SESSION MESSAGE) and a 3-byte length, then the SMB message,
 * whose ProtocolId is 0xFF 'SMB' (SMB1), 0xFE 'SMB' (SMB2/3), 0xFD 'SMB' (SMB3 TRANSFORM_HEADER) or
 * 0xFC 'SMB' (SMB2 COMPRESSION_TRANSFORM_HEADER).
 */
export function isSmb(b: Uint8Array): boolean {
  if (b.length < 8 || b[0] !== 0x00 || !matchAscii(b, 5, 'SMB')) return false;
  const id = b[4];
  if (id !== 0xff && id !== 0xfe && id !== 0xfd && id !== 0xfc) return false;
  // The smallest of these headers (compression transform) is 16 bytes.
  return u24(b, 1) >= 16;
}

/**
 * RFC 1002 §4.3.2 SESSION REQUEST: type 0x81, flags 0, 16-bit length, then CALLED NAME and CALLING NAME, each
 * a 32-byte first-level encoded NetBIOS name (§4.1: nibbles as 'A'..'P') with its length byte (0x20) and scope.
 */
export function isNetbiosSessionRequest(b: Uint8Array): boolean {
  if (b.length < 4 + 34 || b[0] !== 0x81 || b[1] !== 0x00 || b[4] !== 0x20) return false;
  const len = u16(b, 2);
  if (len < 68 || len > 4 + 2 * 256) return false;
  for (let i = 5; i < 37; i++) if (b[i] < 0x41 || b[i] > 0x50) return false;
  return true;
}

/**
 * RFC 1002 §4.4.1 datagram service: DIRECT_UNIQUE (0x10), DIRECT_GROUP (0x11) or BROADCAST (0x12)
 * DATAGRAM: type, flags, id (2), source IP (4), source port (2), length (2), offset (2), then
 * SOURCE_NAME, a first-level encoded NetBIOS name (length byte 0x20, 32 letters 'A'..'P').
 */
export function isNetbiosDatagram(b: Uint8Array): boolean {
  if (b.length < 14 + 34 || b[0] < 0x10 || b[0] > 0x12 || b[14] !== 0x20) return false;
  for (let i = 15; i < 47; i++) if (b[i] < 0x41 || b[i] > 0x50) return false;
  return true;
}
