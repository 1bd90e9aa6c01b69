import type { Connection, ConnectionSecret } from '@remit/core';

/**
 * The headers that carry a connection's credentials on the way out, added by the egress proxy
 * or the verifier, never inside the sandbox. `userToken` is the triggering user's OAuth token.
 */
export function credentialHeaders(c: Pick<Connection, 'type' | 'authMode' | 'config'>, secret: ConnectionSecret | undefined, userToken?: string): Record<string, string> {
  if (c.authMode === 'oauth_user') return userToken ? { authorization: `Bearer ${userToken}` } : {};
  if (c.type === 'http') {
    const auth = (c.config.auth ?? { scheme: 'none' }) as { scheme: string; headerName?: string };
    if (auth.scheme === 'bearer' && secret?.token) return { authorization: `Bearer ${secret.token}` };
    if (auth.scheme === 'header' && secret?.token) return { [(auth.headerName ?? 'x-api-key').toLowerCase()]: secret.token };
    if (auth.scheme === 'basic' && secret?.username && secret.password) {
      return { authorization: `Basic ${Buffer.from(`${secret.username}:${secret.password}`).toString('base64')}` };
    }
    return {};
  }
  // GitHub refuses API requests without a User-Agent.
  if (c.type === 'github' && secret?.token) return { authorization: `Bearer ${secret.token}`, accept: 'application/vnd.github+json', 'user-agent': 'remit' };
  return {};
}

/** Where a connection's HTTP traffic goes, and the private ranges its admin allowed. */
export function connectionEndpoint(c: Pick<Connection, 'config'>): { baseUrl: string | null; allowCidrs: string[] } {
  const cfg = c.config;
  const baseUrl = typeof cfg.baseUrl === 'string' ? cfg.baseUrl : typeof cfg.apiUrl === 'string' ? cfg.apiUrl : null;
  const allowCidrs = Array.isArray(cfg.allowPrivateCidrs) ? cfg.allowPrivateCidrs.map(String) : [];
  return { baseUrl, allowCidrs };
}
