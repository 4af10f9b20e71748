import { ascii, SCRATCH, scratchText, writeNanos, writeTwoDigits, writeUint } from '../ascii.ts';

const DAY = 86_400;
let cachedDay = Number.NaN;
let cachedDate: Uint8Array = new Uint8Array(0);

/** ISO-8601 UTC with `digits` fractional digits (0..9), e.g. 2024-05-01T12:00:00.123456Z. */
export function isoTime(sec: number, nsec: number, digits: number): string {
  const n = writeIsoTime(SCRATCH, 0, sec, nsec, digits);
  return n >= 0 ? scratchText(n) : oddIsoTime(sec, nsec, digits);
}

/**
 * isoTime's text written as bytes at `p`; returns the end, or -1 (nothing written) for the odd
 * values that oddIsoTime spells: fractional seconds, nanoseconds outside 0..999,999,999, dates
 * beyond what Date covers.
 */
export function writeIsoTime(buf: Uint8Array, p: number, sec: number, nsec: number, digits: number): number {
  // Formatting the calendar date is the costly part: do it once per day, the clock by arithmetic.
  const day = Math.floor(sec / DAY);
  if (day !== cachedDay) {
    cachedDate = ascii(isoDate(day));
    cachedDay = day;
  }
  const date = cachedDate;
  if (date.length === 0 || !Number.isInteger(sec) || !(nsec >= 0 && nsec < 1e9 && (nsec | 0) === nsec))
    return -1;
  for (let i = 0; i < date.length; i++) buf[p + i] = date[i];
  p += date.length;
  const s = sec - day * DAY;
  buf[p] = 0x54; // T
  p = writeTwoDigits(buf, p + 1, Math.floor(s / 3600));
  buf[p] = 0x3a;
  p = writeTwoDigits(buf, p + 1, Math.floor((s % 3600) / 60));
  buf[p] = 0x3a;
  p = writeTwoDigits(buf, p + 1, s % 60);
  if (digits > 0) {
    buf[p] = 0x2e; // .
    p = writeNanos(buf, p + 1, nsec, digits);
  }
  buf[p] = 0x5a; // Z
  return p + 1;
}

/** isoTime of the values writeIsoTime leaves out, as strings. */
function oddIsoTime(sec: number, nsec: number, digits: number): string {
  const day = Math.floor(sec / DAY);
  const date = isoDate(day);
  if (date === '') return `@${sec}Z`;
  const s = sec - day * DAY;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const clock = `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${ss < 10 ? '0' : ''}${ss}`;
  if (digits <= 0) return `${date}T${clock}Z`;
  return `${date}T${clock}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`;
}

/** YYYY-MM-DD of a day counted from the Unix epoch; '' beyond what Date covers (±8.64e15 ms). */
export function isoDate(day: number): string {
  const ms = day * DAY * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().slice(0, 10) : '';
}

/** Nanoseconds since the epoch as exact decimal text (what DateTime64(9) columns are filled from). */
export function epochNanosText(sec: number, nsec: number): string {
  // The usual case, whole seconds from 1970 to 2038 and a nanosecond within one, by arithmetic;
  // the rest (and fractions, truncated) through BigInt.
  if (
    sec > 0 &&
    sec <= 0x7fffffff &&
    Number.isInteger(sec) &&
    Number.isInteger(nsec) &&
    nsec >= 0 &&
    nsec < 1e9
  )
    return scratchText(writeNanos(SCRATCH, writeUint(SCRATCH, 0, sec), nsec, 9));
  return (BigInt(Math.trunc(sec)) * 1_000_000_000n + BigInt(Math.trunc(nsec))).toString();
}
