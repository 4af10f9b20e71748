// RDP connection setup: TPKT (RFC 1006 §6) + X.224 Connection Request/Confirm (ITU-T X.224 §13.3, §13.4)
// as profiled by MS-RDPBCGR §2.2.1.1 and §2.2.1.2.

import { lineEnd, matchAscii, u16 } from './bytes.ts';

const TPKT_HEADER = 4;
/** X.224 fixed part of CR/CC: LI, code, DST-REF (2), SRC-REF (2), class option. */
const X224_FIXED = 7;

/** TPKT: "version ... 3", reserved 0, 16-bit length of the whole packet; X.224 "LI ... length of the header
 *  ... excluding the length indicator field". Returns the TPKT length when consistent with a CR/CC of `code`. */
function tpktX224(b: Uint8Array, code: number): number {
  if (b.length < TPKT_HEADER + X224_FIXED || b[0] !== 0x03 || b[1] !== 0x00) return 0;
  const len = u16(b, 2);
  if (len < TPKT_HEADER + X224_FIXED || len > b.length) return 0;
  // X.224 §13.3.3: CR code 1110 xxxx (CDT = 0 in class 0), CC code 1101 xxxx.
  if (b[4] !== len - TPKT_HEADER - 1 || b[5] !== code) return 0;
  return len;
}

/**
 * MS-RDPBCGR §2.2.1.1: after the X.224 fixed part come an optional routingToken or cookie
 * ("Cookie: mstshash=IDENTIFIER" + CR LF) and an optional RDP_NEG_REQ (type 0x01, flags, length 0x0008 LE,
 * requestedProtocols). A plain X.224 request is not evidence of RDP (ISO transports, e.g. S7, use it too).
 */
export function isRdpConnectionRequest(b: Uint8Array): boolean {
  const len = tpktX224(b, 0xe0);
  if (len === 0) return false;
  let p = TPKT_HEADER + X224_FIXED;
  let evidence = false;
  if (matchAscii(b, p, 'Cookie: mstshash=') || matchAscii(b, p, 'Cookie: msts=')) {
    const e = lineEnd(b, p, len - p);
    if (e < 0 || b[e] !== 0x0d) return false;
    p = e + 2;
    evidence = true;
  }
  if (p + 8 <= len && b[p] === 0x01 && b[p + 2] === 0x08 && b[p + 3] === 0x00) evidence = true;
  return evidence;
}

/** MS-RDPBCGR §2.2.1.2: X.224 Connection Confirm carrying RDP_NEG_RSP (type 0x02) or RDP_NEG_FAILURE (0x03),
 *  8 bytes with length 0x0008 LE. */
export function isRdpConnectionConfirm(b: Uint8Array): boolean {
  const len = tpktX224(b, 0xd0);
  const p = TPKT_HEADER + X224_FIXED;
  return len === p + 8 && (b[p] === 0x02 || b[p] === 0x03) && b[p + 2] === 0x08 && b[p + 3] === 0x00;
}
