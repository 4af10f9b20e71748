// Gnutella's connection handshake (The Gnutella Protocol Specification v0.6, §2.2 "Connecting"):
// the client opens with "GNUTELLA CONNECT/0.6" and the server answers "GNUTELLA/0.6 200 OK" (or
// another code: 503 when it is full); protocol 0.4 used "GNUTELLA CONNECT/0.4" and "GNUTELLA OK".

import { isDigit, matchAscii } from './bytes.ts';

/** The first line of a Gnutella handshake, either side, up to its end of line. */
export function isGnutellaHandshake(b: Uint8Array, fromClient: boolean): boolean {
  if (fromClient) return matchAscii(b, 0, 'GNUTELLA CONNECT/') && isVersionThenEol(b, 17);
  if (matchAscii(b, 0, 'GNUTELLA OK')) return isEol(b, 11);
  if (!matchAscii(b, 0, 'GNUTELLA/') || !isVersion(b, 9)) return false;
  // " nnn", then the reason phrase up to the end of the line.
  let p = 9 + versionLength(b, 9);
  if (b[p] !== 0x20 || !isDigit(b[p + 1]) || !isDigit(b[p + 2]) || !isDigit(b[p + 3])) return false;
  p += 4;
  return p < b.length && (b[p] === 0x20 || b[p] === 0x0d || b[p] === 0x0a);
}

/** "d.d" (a digit or two each side), then CR LF or LF. */
function isVersionThenEol(b: Uint8Array, at: number): boolean {
  return isVersion(b, at) && isEol(b, at + versionLength(b, at));
}

function isVersion(b: Uint8Array, at: number): boolean {
  return versionLength(b, at) > 0;
}

/** Length of a "major.minor" version at `at` (one or two digits each), else 0. */
function versionLength(b: Uint8Array, at: number): number {
  let p = at;
  while (p < at + 2 && isDigit(b[p])) p++;
  if (p === at || b[p] !== 0x2e) return 0;
  const minor = ++p;
  while (p < minor + 2 && isDigit(b[p])) p++;
  return p === minor ? 0 : p - at;
}

function isEol(b: Uint8Array, at: number): boolean {
  return b[at] === 0x0a || (b[at] === 0x0d && b[at + 1] === 0x0a);
}
