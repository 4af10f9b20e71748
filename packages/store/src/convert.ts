import { formatIPv4, formatIPv6 } from '@capstream/core';
import { StoreError } from './errors.ts';

// Conversions between the values the pipeline carries (decimal nanosecond strings, ISO-8601 text,
// address text) and what ClickHouse columns take and give back.

const NS_PER_S = 1_000_000_000n;
/** DateTime64(9) holds Int64 nanoseconds: 1900-01-01 .. 2262-04-11T23:47:16.854775807Z. */
const MAX_NS = 9_223_372_036_854_775_807n;
const MIN_NS = -2_208_988_800n * NS_PER_S;

/**
 * Nanoseconds since the epoch (decimal string or bigint) as DateTime64(9) text,
 * `YYYY-MM-DD hh:mm:ss.nnnnnnnnn`. Text, not a number: ClickHouse reads a bare number for a
 * DateTime64 by guessing (measured: '5' became 2026-01-05, '0.5' 2026-05-01). Values outside
 * the type's range are clamped to its ends (a hostile capture can claim any time).
 */
export function nsToDateTime64(ns: string | bigint): string {
  // Fast path for what the parser sends: 10 to 19 digits, within range (up to 2262-04-11).
  if (typeof ns === 'string' && ns.length >= 10 && ns.length <= 19 && DIGITS.test(ns)) {
    const sec = ns.length === 19 && ns > '9223372036854775807' ? undefined : ns.slice(0, -9);
    if (sec !== undefined) return `${secondText(sec)}.${ns.slice(-9)}`;
  }
  let n: bigint;
  try {
    n = typeof ns === 'bigint' ? ns : BigInt(ns);
  } catch {
    throw new StoreError('INVALID_ARGUMENT', `not a nanosecond timestamp: ${JSON.stringify(ns)}`);
  }
  n = clampNs(n);
  let sec = n / NS_PER_S;
  let frac = n % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    sec -= 1n;
  }
  return `${secondText(sec.toString())}.${frac.toString().padStart(9, '0')}`;
}

/** Nanoseconds clamped to what DateTime64(9) holds (a hostile capture can claim any time). */
export function clampNs(n: bigint): bigint {
  return n > MAX_NS ? MAX_NS : n < MIN_NS ? MIN_NS : n;
}

const DIGITS = /^\d+$/;
const secondTexts = new Map<string, string>();

/** `YYYY-MM-DD hh:mm:ss` of whole seconds since the epoch (remembered: a batch's rows share few seconds). */
function secondText(sec: string): string {
  let text = secondTexts.get(sec);
  if (text === undefined) {
    const day = new Date(Number(sec) * 1000).toISOString();
    text = `${day.slice(0, 10)} ${day.slice(11, 19)}`;
    if (secondTexts.size >= 4096) secondTexts.clear();
    secondTexts.set(sec, text);
  }
  return text;
}

/** ISO-8601 UTC text with `digits` fractional digits (0..9), as the parser prints flow times. */
export function nsToIso(ns: string | bigint, digits = 9): string {
  const n = typeof ns === 'bigint' ? ns : BigInt(ns);
  let sec = n / NS_PER_S;
  let frac = n % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    sec -= 1n;
  }
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  if (digits <= 0) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, '0').slice(0, digits)}Z`;
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]00:?00)?$/;

/** ISO-8601 UTC text (up to 9 fractional digits) to nanoseconds; throws INVALID_ARGUMENT. */
export function isoToNs(iso: string): bigint {
  const m = ISO.exec(iso);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : Number.NaN;
  if (!m || Number.isNaN(ms)) {
    throw new StoreError('INVALID_ARGUMENT', `not an ISO-8601 UTC time: ${JSON.stringify(iso)}`);
  }
  return BigInt(ms / 1000) * NS_PER_S + BigInt((m[3] ?? '').padEnd(9, '0'));
}

/** How many fractional digits an ISO time shows: the capture's own precision. */
export function isoDigits(iso: string): number {
  // Hot (once per stored flow): the digits between the last '.' and the closing 'Z', by hand.
  const end = iso.length - 1;
  if (iso.charCodeAt(end) !== 90 /* Z */) return 0;
  let i = end - 1;
  while (i >= 0 && iso.charCodeAt(i) >= 48 && iso.charCodeAt(i) <= 57) i--;
  return i >= 0 && iso.charCodeAt(i) === 46 /* . */ && i < end - 1 ? Math.min(9, end - 1 - i) : 0;
}

/** Address text for an IPv6 column: an IPv4 address goes in v4-mapped, which ClickHouse does itself. */
export function ipVersionOf(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}

/**
 * Address text back from `hex(ipv6_column)` (32 hex digits), printed as the parser prints it:
 * dotted quad for an IPv4 flow, RFC 5952 otherwise (lower case, longest zero run compressed, the
 * first on a tie, never a single zero field; ::ffff:a.b.c.d for v4-mapped). ClickHouse's own
 * IPv6NumToString differs on some addresses (it prints ::102:304 as ::1.2.3.4).
 */
export function ipFromHex(hex: string, version: number): string {
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  return version === 4 ? formatIPv4(bytes, 12) : formatIPv6(bytes, 0);
}

/** A UInt64 read back from JSON: a number, or a string when the server quotes 64-bit integers. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
