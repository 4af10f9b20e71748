// Number, size, time and duration formatting for people (the raw numbers stay in data-value).
const intFmt = new Intl.NumberFormat('en-US');
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : intFmt.format(n);
}

export function formatCompact(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : n < 10_000 ? intFmt.format(n) : compactFmt.format(n);
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal (SI) units, as Wireshark shows them. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[i]}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${Math.round(seconds % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** "2024-04-25 01:02:03.456" (UTC, as stored), from an ISO-8601 string. */
export function formatTime(iso: string | null | undefined, digits = 3): string {
  if (!iso) return '–';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(iso);
  if (!m) return iso;
  const frac = digits > 0 && m[3] ? m[3].slice(0, digits + 1) : '';
  return `${m[1]} ${m[2]}${frac}`;
}

export function formatPercent(part: number, total: number): string {
  if (!total) return '0%';
  const p = (part / total) * 100;
  return `${p < 1 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatPort(port: number | null | undefined): string {
  return port === null || port === undefined ? '' : String(port);
}

/** "1.2.3.4:80" or "[2001:db8::1]:443". */
export function endpoint(ip: string, port: number | null | undefined): string {
  if (port === null || port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
