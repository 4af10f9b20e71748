/** TCP header flag bits (byte 13), as the decoder reports them. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** What the connection has shown, per side ("orig" = the initiator). */
export const H_ORIG_SYN = 1 << 0; // SYN without ACK from the originator
export const H_RESP_SYNACK = 1 << 1;
export const H_ORIG_FIN = 1 << 2;
export const H_RESP_FIN = 1 << 3;
export const H_ORIG_RST = 1 << 4;
export const H_RESP_RST = 1 << 5;

/** History bits contributed by one packet's flags; `fromOrig` = sent by the initiator. */
export function historyBits(flags: number, fromOrig: boolean): number {
  let h = 0;
  if (flags & TCP_SYN) {
    if (flags & TCP_ACK) h |= fromOrig ? 0 : H_RESP_SYNACK;
    else h |= fromOrig ? H_ORIG_SYN : 0;
  }
  if (flags & TCP_FIN) h |= fromOrig ? H_ORIG_FIN : H_RESP_FIN;
  if (flags & TCP_RST) h |= fromOrig ? H_ORIG_RST : H_RESP_RST;
  return h;
}

export type TcpState =
  | 'S0'
  | 'S1'
  | 'SF'
  | 'REJ'
  | 'S2'
  | 'S3'
  | 'RSTO'
  | 'RSTR'
  | 'RSTOS0'
  | 'RSTRH'
  | 'SH'
  | 'SHR'
  | 'OTH';

/**
 * Zeek's conn_state, from the history bits
 * (https://docs.zeek.org/en/current/scripts/base/protocols/conn/main.zeek.html).
 */
export function tcpState(h: number): TcpState {
  const syn = (h & H_ORIG_SYN) !== 0;
  const synAck = (h & H_RESP_SYNACK) !== 0;
  if (syn && synAck) {
    // Established: originator SYN and responder SYN-ACK both seen.
    if (h & H_ORIG_RST) return 'RSTO';
    if (h & H_RESP_RST) return 'RSTR';
    if (h & H_ORIG_FIN && h & H_RESP_FIN) return 'SF';
    if (h & H_ORIG_FIN) return 'S2';
    if (h & H_RESP_FIN) return 'S3';
    return 'S1';
  }
  if (syn) {
    // "Connection attempt rejected": a RST answers the SYN.
    if (h & H_RESP_RST) return 'REJ';
    if (h & H_ORIG_RST) return 'RSTOS0';
    if (h & H_ORIG_FIN) return 'SH';
    return 'S0';
  }
  if (synAck) {
    if (h & H_RESP_RST) return 'RSTRH';
    if (h & H_RESP_FIN) return 'SHR';
  }
  return 'OTH';
}

/** Closed: a RST either way, or a FIN both ways. A SYN on a closed 5-tuple starts a new flow. */
export function tcpClosed(h: number): boolean {
  return (
    (h & (H_ORIG_RST | H_RESP_RST)) !== 0 || (h & (H_ORIG_FIN | H_RESP_FIN)) === (H_ORIG_FIN | H_RESP_FIN)
  );
}

/** Flags as letters, tcpdump's order: F S R P A U E C. */
export function flagLetters(flags: number): string {
  // One string per combination, made once, not a few concatenations per record (two per TCP flow).
  return FLAG_LETTERS[flags & 0xff]!;
}

const FLAG_LETTERS = Array.from({ length: 256 }, (_, flags) => spellFlags(flags));

function spellFlags(flags: number): string {
  let s = '';
  if (flags & TCP_FIN) s += 'F';
  if (flags & TCP_SYN) s += 'S';
  if (flags & TCP_RST) s += 'R';
  if (flags & TCP_PSH) s += 'P';
  if (flags & TCP_ACK) s += 'A';
  if (flags & TCP_URG) s += 'U';
  if (flags & TCP_ECE) s += 'E';
  if (flags & TCP_CWR) s += 'C';
  return s;
}
