// The API token: taken from the link `capstream up` prints (`/#token=...`), kept in localStorage,
// and removed from the address bar so it is not shared with a copied URL.
const KEY = 'capstream.token';

/** Moves a `#token=` fragment into storage; returns the stored token, if any. */
export function loadToken(): string | null {
  if (typeof window === 'undefined') return null;
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const fromLink = hash.get('token');
  if (fromLink) {
    saveToken(fromLink);
    hash.delete('token');
    const rest = hash.toString();
    const url = window.location.pathname + window.location.search + (rest ? `#${rest}` : '');
    window.history.replaceState(window.history.state, '', url);
    return fromLink;
  }
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    window.localStorage.setItem(KEY, token.trim());
  } catch {
    // storage refused (private mode): the token lives for this page only
  }
}

export function clearToken(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
