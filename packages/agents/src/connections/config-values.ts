/** Readers for a saved connection config: it was checked against its type's schema at save, so these only narrow. */

export const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
export const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** The private ranges an admin allowed this connection to reach (`allowPrivateCidrs`). */
export function allowedCidrs(config: Record<string, unknown>): string[] {
  return Array.isArray(config.allowPrivateCidrs) ? config.allowPrivateCidrs.map(String) : [];
}

/**
 * A URL as the request will reach it: scheme, credentials, host, port, path and query. The
 * fragment is never sent and a trailing slash is dropped before a path is appended, so neither
 * counts; `new URL` already lower-cases the host and drops a default port.
 */
export function canonicalUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not parseable: compared as written, so any change to it still counts as a move.
    return value;
  }
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  return url.href;
}
