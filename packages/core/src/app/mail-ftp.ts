// The line-based protocols that share command/reply shapes: SMTP (RFC 5321), FTP (RFC 959), POP3 (RFC 1939)
// and IMAP (RFC 9051). Each line is reduced to evidence flags; the inspector combines both directions, because
// a '220 ' greeting is shared by SMTP and FTP and 'USER'/'PASS' by FTP and POP3.

import { hostName, indexOfAsciiCI, isAlpha, isDigit, lineEnd, matchAscii, matchAsciiCI } from './bytes.ts';

/** Longest line examined. RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line ... is 512 octets." */
const MAX_LINE = 512;

// Server line evidence.
/** '220 ' / '220-' greeting (RFC 5321 §4.2: "220 <domain> Service ready"; RFC 959 §5.4: "220 Service ready"). */
export const S_220 = 1;
/** The greeting names SMTP/ESMTP. */
export const S_SMTP_HINT = 2;
/** The greeting names FTP. */
export const S_FTP_HINT = 4;
/** RFC 1939 §3: "Responses in the POP3 consist of a status indicator ... "+OK" and "-ERR"". */
export const S_POP3 = 8;
/** RFC 9051 §7.1: untagged "* OK" / "* PREAUTH" / "* BYE" greetings and status responses. */
export const S_IMAP = 16;
/** Any three-digit reply code followed by SP or '-' (SMTP and FTP replies). */
export const S_REPLY = 32;

// Client line evidence.
/** EHLO, HELO, MAIL FROM:, RCPT TO:, or an untagged STARTTLS. */
export const C_SMTP = 1;
/** Commands only FTP has (SYST, FEAT, PASV, EPSV, PORT, STOR, CWD, PWD, TYPE, AUTH TLS ...). */
export const C_FTP = 2;
/** USER / PASS: FTP or POP3. */
export const C_USER = 4;
/** Commands only POP3 has (CAPA, APOP, STLS, STAT, UIDL, TOP). */
export const C_POP3 = 8;
/** A tagged IMAP command (tag SP CAPABILITY / LOGIN / AUTHENTICATE / STARTTLS / ...). */
export const C_IMAP = 16;

function endsToken(b: Uint8Array, p: number): boolean {
  return p >= b.length || b[p] === 0x20 || b[p] === 0x0d || b[p] === 0x0a;
}

/** Evidence flags of the line starting at `b[0]` sent by the server. */
export function serverLineFlags(b: Uint8Array): number {
  if (b.length < 3) return 0;
  const c = b[0];
  if (isDigit(c)) {
    if (b.length < 4 || !isDigit(b[1]) || !isDigit(b[2]) || (b[3] !== 0x20 && b[3] !== 0x2d)) return 0;
    if (c < 0x31 || c > 0x35) return 0; // RFC 5321 §4.2 / RFC 959 §4.2: first digit 1..5
    if (c !== 0x32 || b[1] !== 0x32 || b[2] !== 0x30) return S_REPLY;
    let f = S_220 | S_REPLY;
    let e = lineEnd(b, 0, MAX_LINE);
    if (e < 0) e = Math.min(b.length, MAX_LINE);
    if (indexOfAsciiCI(b, 'smtp', 4, e) >= 0) f |= S_SMTP_HINT;
    if (indexOfAsciiCI(b, 'ftp', 4, e) >= 0) f |= S_FTP_HINT;
    return f;
  }
  if (c === 0x2b) return matchAscii(b, 0, '+OK') && endsToken(b, 3) ? S_POP3 : 0;
  if (c === 0x2d) return matchAscii(b, 0, '-ERR') && endsToken(b, 4) ? S_POP3 : 0;
  if (c === 0x2a) {
    if (matchAscii(b, 0, '* OK') || matchAscii(b, 0, '* BYE'))
      return endsToken(b, b[2] === 0x4f ? 4 : 5) ? S_IMAP : 0;
    if (matchAscii(b, 0, '* PREAUTH') || matchAscii(b, 0, '* CAPABILITY ')) return S_IMAP;
  }
  return 0;
}

/** Host name of a '220 <domain> ...' greeting, when it looks like a domain (has a dot). */
export function greetingHost(b: Uint8Array): string | null {
  if (b.length < 5) return null;
  let e = 4;
  while (e < b.length && e < MAX_LINE && b[e] !== 0x20 && b[e] !== 0x0d && b[e] !== 0x0a) e++;
  const h = hostName(b, 4, e);
  if (h === null || !h.includes('.') || h.includes(':')) return null;
  return h;
}

const FTP_ONLY = [
  'syst',
  'feat',
  'pasv',
  'epsv',
  'eprt',
  'port',
  'stor',
  'cwd',
  'pwd',
  'xpwd',
  'type',
  'nlst',
  'mlsd',
  'mlst',
  'mkd',
  'rmd',
  'size',
  'mdtm',
  'opts',
  'cdup',
  'acct',
  'pbsz',
  'prot',
  'rest',
  'appe',
  'stou',
];
const POP3_ONLY = ['capa', 'apop', 'stls', 'stat', 'uidl', 'top'];
const IMAP_COMMANDS = [
  'capability',
  'login',
  'authenticate',
  'starttls',
  'select',
  'examine',
  'logout',
  'namespace',
  'enable',
  'id',
];

/** Length of the leading run of letters, at most `max + 1`. */
function wordLength(b: Uint8Array, p: number, max: number): number {
  let n = 0;
  while (p + n < b.length && n <= max && isAlpha(b[p + n])) n++;
  return n;
}

function oneOf(b: Uint8Array, p: number, n: number, words: readonly string[]): boolean {
  for (const w of words) if (w.length === n && matchAsciiCI(b, p, w)) return true;
  return false;
}

/** Evidence flags of the line starting at `b[0]` sent by the client. */
export function clientLineFlags(b: Uint8Array): number {
  const n = wordLength(b, 0, 12);
  if (n >= 3 && n <= 8 && endsToken(b, n)) {
    if (n === 4) {
      if (matchAsciiCI(b, 0, 'ehlo') || matchAsciiCI(b, 0, 'helo')) return b[4] === 0x20 ? C_SMTP : 0;
      if (matchAsciiCI(b, 0, 'user') || matchAsciiCI(b, 0, 'pass')) return b[4] === 0x20 ? C_USER : 0;
      if (matchAsciiCI(b, 0, 'mail')) return matchAsciiCI(b, 4, ' from:') ? C_SMTP : 0;
      if (matchAsciiCI(b, 0, 'rcpt')) return matchAsciiCI(b, 4, ' to:') ? C_SMTP : 0;
      if (matchAsciiCI(b, 0, 'auth'))
        return matchAsciiCI(b, 4, ' tls') || matchAsciiCI(b, 4, ' ssl') ? C_FTP : 0;
    }
    if (n === 8 && matchAsciiCI(b, 0, 'starttls')) return C_SMTP;
    if (oneOf(b, 0, n, FTP_ONLY)) return C_FTP;
    if (oneOf(b, 0, n, POP3_ONLY)) return C_POP3;
  }
  // RFC 9051 §2.2.1: "Each client command is prefixed with an identifier (typically a short alphanumeric
  // string, e.g., A0001, A0002, etc.) called a "tag"".
  let t = 0;
  while (t < b.length && t <= 32 && (isAlpha(b[t]) || isDigit(b[t]) || b[t] === 0x2e)) t++;
  if (t === 0 || t > 32 || t >= b.length || b[t] !== 0x20) return 0;
  const w = wordLength(b, t + 1, 12);
  return w >= 2 && endsToken(b, t + 1 + w) && oneOf(b, t + 1, w, IMAP_COMMANDS) ? C_IMAP : 0;
}
