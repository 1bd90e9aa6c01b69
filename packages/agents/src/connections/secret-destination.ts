import type { Connection, ConnectionType } from '@remit/core';
import { connectionEndpoint } from './credential-headers.ts';

/**
 * Where a stored secret goes, and how it travels. A stored secret is only ever sent to the
 * destination it was saved for: a change to any field here without the secret given again is
 * refused, since the live check (and every run after it) would otherwise hand the stored secret
 * to wherever an admin pointed the connection — a way to read a write-only secret back.
 *
 * Keys are the fields an admin would change, so a refusal can name them. Fields not listed do
 * not move a secret: `allowPrivateCidrs` widens which addresses the same host name may resolve
 * to, not which host the secret is sent to.
 */
export type Destination = Readonly<Record<string, string | number | null>>;

type Target = Pick<Connection, 'type' | 'authMode' | 'config'> & { oauth?: Connection['oauth'] | undefined };

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
    return value;
  }
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  return url.href;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** For a service account, per connection type: what decides where the stored secret is sent. */
const serviceAccountDestination: Record<ConnectionType, (config: Record<string, unknown>) => Destination> = {
  // The token or basic pair goes to baseUrl + any path under it, in the header the scheme
  // names; verifyPath is where the live check sends it, and `/..` in it can climb out of the
  // base path (URL parsing resolves dot segments).
  http: (config) => {
    const auth = (config.auth ?? {}) as { scheme?: unknown; headerName?: unknown };
    const scheme = text(auth.scheme) ?? 'none';
    return {
      'config.baseUrl': canonicalUrl(config.baseUrl),
      'config.verifyPath': text(config.verifyPath) ?? '/',
      'config.auth.scheme': scheme,
      // Header names are case-insensitive (RFC 9110 §5.1); only the header scheme uses one.
      'config.auth.headerName': scheme === 'header' ? (text(auth.headerName) ?? 'x-api-key').toLowerCase() : null,
    };
  },
  // A token goes to apiUrl; an App's key signs a JWT for one app id and installation there.
  github: (config) => {
    const app = config.auth === 'app';
    return {
      'config.apiUrl': canonicalUrl(config.apiUrl ?? 'https://api.github.com'),
      'config.auth': text(config.auth) ?? 'token',
      'config.appId': app ? num(config.appId) : null,
      'config.installationId': app ? num(config.installationId) : null,
    };
  },
  // No stored secret: Remit's own identity assumes the role. Listed so the table is complete.
  aws: (config) => ({ 'config.roleArn': text(config.roleArn), 'config.region': text(config.region), 'config.externalId': text(config.externalId) }),
};

/**
 * Where the connection's own stored secret goes. For `oauth_user` that secret is the client
 * secret: sent to the token endpoint with the client id, for the provider the authorize URL names.
 */
export function secretDestination(c: Target): Destination {
  if (c.authMode === 'oauth_user') {
    return {
      authMode: c.authMode,
      'oauth.tokenUrl': canonicalUrl(c.oauth?.tokenUrl),
      'oauth.authorizeUrl': canonicalUrl(c.oauth?.authorizeUrl),
      'oauth.clientId': c.oauth?.clientId ?? null,
    };
  }
  return { authMode: c.authMode, ...serviceAccountDestination[c.type](c.config) };
}

/**
 * Where users' own tokens (their OAuth grants) go: access tokens to the connection's endpoint
 * (and the verify path with them), refresh tokens to the token endpoint under the client id.
 * Null when the connection does not use users' tokens.
 */
export function userTokenDestination(c: Target): Destination | null {
  if (c.authMode !== 'oauth_user') return null;
  return {
    endpoint: canonicalUrl(connectionEndpoint(c).baseUrl),
    'config.verifyPath': c.type === 'http' ? (text(c.config.verifyPath) ?? '/') : null,
    'oauth.tokenUrl': canonicalUrl(c.oauth?.tokenUrl),
    'oauth.authorizeUrl': canonicalUrl(c.oauth?.authorizeUrl),
    'oauth.clientId': c.oauth?.clientId ?? null,
  };
}

/** The fields whose values differ between two destinations; empty when they are the same place. */
export function changedDestinationFields(before: Destination | null, after: Destination | null): string[] {
  if (before === null || after === null) return before === after ? [] : ['authMode'];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]);
}
