/** ISO-8601 UTC with `digits` fractional digits (0..9), e.g. 2024-05-01T12:00:00.123456Z. */
let cachedSec = Number.NaN;
let cachedBase = '';

export function isoTime(sec: number, nsec: number, digits: number): string {
  // Flows come roughly in time order: formatting the date once per second saves most of the work.
  if (sec !== cachedSec) {
    const ms = sec * 1000;
    // Date covers ±8.64e15 ms; a hostile timestamp beyond it still prints, as seconds.
    cachedBase = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().slice(0, 19) : `@${sec}`;
    cachedSec = sec;
  }
  const base = cachedBase;
  if (digits <= 0) return `${base}Z`;
  return `${base}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`;
}
