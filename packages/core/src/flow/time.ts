const DAY = 86_400;
let cachedDay = Number.NaN;
let cachedDate = '';

/** ISO-8601 UTC with `digits` fractional digits (0..9), e.g. 2024-05-01T12:00:00.123456Z. */
export function isoTime(sec: number, nsec: number, digits: number): string {
  // Formatting the calendar date is the costly part: do it once per day, the clock by arithmetic.
  const day = Math.floor(sec / DAY);
  if (day !== cachedDay) {
    cachedDate = isoDate(day);
    cachedDay = day;
  }
  if (cachedDate === '') return `@${sec}Z`;
  const s = sec - day * DAY;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const clock = `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${ss < 10 ? '0' : ''}${ss}`;
  if (digits <= 0) return `${cachedDate}T${clock}Z`;
  return `${cachedDate}T${clock}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`;
}

/** YYYY-MM-DD of a day counted from the Unix epoch; '' beyond what Date covers (±8.64e15 ms). */
export function isoDate(day: number): string {
  const ms = day * DAY * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().slice(0, 10) : '';
}
