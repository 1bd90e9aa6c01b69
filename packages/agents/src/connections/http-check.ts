import { checkUrl, guardedFetch, isEgressError, type Resolver } from '@remit/egress';
import { allowedCidrs } from './config-values.ts';
import type { CredentialedConnection, Endpoint, Verification } from './connection-type.ts';

const VERIFY_TIMEOUT_MS = 10_000;
const VERIFY_MAX_BYTES = 64 * 1024;

/** The endpoint at `url` with the ranges the config allows; null when the config has no URL. */
export function endpointAt(url: unknown, config: Record<string, unknown>): Endpoint | null {
  return typeof url === 'string' ? { baseUrl: url, allowCidrs: allowedCidrs(config) } : null;
}

/**
 * The live check of an HTTP-reachable connection: `GET path` under its endpoint with its
 * credentials, through the egress guard, no redirects followed. An oauth_user connection has
 * no user token at save time, so its OAuth endpoints are checked by the guard and its base URL
 * must answer; each run checks it again with the user's own token.
 */
export async function probeEndpoint(
  c: CredentialedConnection,
  endpoint: Endpoint | null,
  path: string,
  options: { resolver?: Resolver | undefined },
): Promise<Verification> {
  if (!endpoint) return { ok: false, reason: 'The connection has no URL.' };
  const guard = { ...(options.resolver ? { resolver: options.resolver } : {}), allowCidrs: endpoint.allowCidrs };
  if (c.authMode === 'oauth_user' && c.oauth) {
    for (const url of [c.oauth.authorizeUrl, c.oauth.tokenUrl]) {
      const verdict = await checkUrl(url, guard);
      if (!verdict.allowed) return { ok: false, reason: `The OAuth endpoint ${new URL(url).origin} is not reachable from Remit (${verdict.reason}).` };
    }
  }
  const url = new URL(endpoint.baseUrl.replace(/\/$/, '') + path).href;
  const probingWithoutUser = c.authMode === 'oauth_user' && !c.userToken;
  try {
    const res = await guardedFetch(
      url,
      { method: 'GET', headers: c.headers },
      { ...guard, timeoutMs: VERIFY_TIMEOUT_MS, maxBytes: VERIFY_MAX_BYTES, maxRedirects: 0 },
    );
    if (probingWithoutUser) return res.status < 500 ? { ok: true } : { ok: false, reason: `GET ${path} answered HTTP ${res.status}.` };
    if (res.status === 401 || res.status === 403) return { ok: false, reason: `The credentials were rejected: GET ${path} answered HTTP ${res.status}.` };
    if (res.status >= 400) return { ok: false, reason: `GET ${path} answered HTTP ${res.status}; set verifyPath to an endpoint that answers 2xx.` };
    return { ok: true };
  } catch (err) {
    // The guard's messages name at most a host and a port, and say what to change.
    if (isEgressError(err)) return { ok: false, reason: err.message };
    return { ok: false, reason: 'The connection could not be reached.', cause: err };
  }
}
