// RTP media streams (RFC 3550 §5.1). One fixed header says little: two bits of version. Two packets
// from the same sender, under one SSRC, with the sequence number a few steps on and the timestamp
// not going back, are a stream. SIP and VoIP captures are mostly this.

import { u16, u32 } from './bytes.ts';

export interface RtpHeader {
  ssrc: number;
  seq: number;
  timestamp: number;
}

/** Sequence steps allowed between two packets seen (the ones between may be lost or not inspected). */
const MAX_SEQ_STEP = 16;

/**
 * The fixed header of an RTP packet, or null: version 2, not an RTCP packet type (RFC 5761 §4:
 * 72-76, i.e. 200-204 with the marker bit), its CSRC list, extension header and padding inside the
 * datagram.
 */
export function rtpHeader(d: Uint8Array): RtpHeader | null {
  if (d.length < 12 || (d[0] & 0xc0) !== 0x80) return null;
  const pt = d[1] & 0x7f;
  if (pt >= 72 && pt <= 76) return null;
  let end = 12 + 4 * (d[0] & 0x0f);
  if ((d[0] & 0x10) !== 0) {
    if (end + 4 > d.length) return null;
    end += 4 + 4 * u16(d, end + 2);
  }
  if (end > d.length) return null;
  if ((d[0] & 0x20) !== 0) {
    const padding = d[d.length - 1];
    if (padding === 0 || end + padding > d.length) return null;
  }
  return { ssrc: u32(d, 8), seq: u16(d, 2), timestamp: u32(d, 4) };
}

/** Whether `next` follows `prev` in one stream: the same SSRC, 1-16 packets on, the timestamp not earlier. */
export function rtpFollows(prev: RtpHeader, next: RtpHeader): boolean {
  const step = (next.seq - prev.seq) & 0xffff;
  const elapsed = (next.timestamp - prev.timestamp) >>> 0;
  return next.ssrc === prev.ssrc && step >= 1 && step <= MAX_SEQ_STEP && elapsed < 0x80000000;
}
