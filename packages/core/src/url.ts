/**
 * A URL as it may be logged, stored and shown: no query string (where a SAS token lives), no
 * fragment, no user info. Text that does not parse as a URL loses the same parts by pattern.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/[?#].*$/, '').replace(/\/\/[^@/]*@/, '//');
  }
}
