import { EgressError } from './egress-error.ts';

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export interface NextHop {
  url: URL;
  method: string;
  /** True when the redirect turns the request into a GET without a body. */
  dropBody: boolean;
  /** True when the next hop is another origin: credentials must not follow. */
  crossOrigin: boolean;
}

/**
 * What to request after a response, or null when the response is final (a non-redirect status,
 * or a redirect without Location, which fetch also hands back as is). Follows WHATWG Fetch
 * "HTTP-redirect fetch": 303 becomes GET (HEAD stays HEAD), 301/302 turn a POST into GET, 307/308
 * keep method and body. Throws `egress_downgrade` for https → http and `egress_invalid_url` for a
 * Location that does not parse. The next URL still has to pass checkUrl.
 */
export function nextHop(from: URL, method: string, status: number, location: string | undefined): NextHop | null {
  if (!redirectStatuses.has(status) || location === undefined) return null;
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    // Not kept as the cause: the parser's message quotes the Location, whose path may hold a secret.
    throw new EgressError('egress_invalid_url', `${from.origin} redirected to a Location that is not a valid URL.`, { details: { reason: 'invalid_url' } });
  }
  if (from.protocol === 'https:' && url.protocol === 'http:') {
    throw new EgressError('egress_downgrade', `${from.origin} redirected to ${url.origin}; Remit does not follow a redirect from https to plain http.`);
  }
  const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  return { url, method: toGet ? 'GET' : method, dropBody: toGet, crossOrigin: url.origin !== from.origin };
}
