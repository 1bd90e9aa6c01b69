import { AwsConnectionConfig, GithubConnectionConfig, type Connection, type ConnectionSecret } from '@remit/core';
import { verifyAwsConnection } from './aws-session.ts';
import { verifyGithubApp, type GithubAppAccess } from './github-app.ts';
import { checkUrl, guardedFetch, isEgressError, type Resolver } from '@remit/egress';
import { connectionEndpoint, credentialHeaders } from './credential-headers.ts';

export type Verification = { ok: true } | { ok: false; reason: string };

const VERIFY_TIMEOUT_MS = 10_000;

/**
 * One live call that proves a connection works with these credentials, through the egress
 * guard: an HTTP connection's verifyPath, GitHub's /user (or /app) endpoint. An oauth_user
 * connection has no user token yet at save time, so its endpoints are checked by the guard
 * and its base URL must answer; each run verifies it again with the user's own token.
 */
export async function verifyConnection(
  c: Pick<Connection, 'type' | 'authMode' | 'config'> & { oauth?: Connection['oauth'] | undefined },
  secret: ConnectionSecret | undefined,
  options: { resolver?: Resolver; userToken?: string } = {},
): Promise<Verification> {
  const { baseUrl, allowCidrs } = connectionEndpoint(c);
  if (c.type === 'aws') return verifyAwsConnection(AwsConnectionConfig.parse(c.config));
  if (c.type === 'github' && c.config.auth === 'app') {
    const access = githubAppAccess(c, secret);
    if (!access) return { ok: false, reason: 'A GitHub App connection needs appId, installationId and privateKey.' };
    return verifyGithubApp(access, options.resolver ? { resolver: options.resolver } : {});
  }
  if (!baseUrl) return { ok: false, reason: 'The connection has no URL.' };
  const guard = { ...(options.resolver ? { resolver: options.resolver } : {}), allowCidrs };
  if (c.authMode === 'oauth_user' && c.oauth) {
    for (const endpoint of [c.oauth.authorizeUrl, c.oauth.tokenUrl]) {
      const verdict = await checkUrl(endpoint, guard);
      if (!verdict.allowed) return { ok: false, reason: `The OAuth endpoint ${new URL(endpoint).origin} is not reachable from Remit (${verdict.reason}).` };
    }
  }
  const path = c.type === 'github' ? (c.config.auth === 'app' ? '/app' : '/user') : String(c.config.verifyPath ?? '/');
  const url = new URL(baseUrl.replace(/\/$/, '') + path).href;
  const probingWithoutUser = c.authMode === 'oauth_user' && !options.userToken;
  try {
    const res = await guardedFetch(url, { method: 'GET', headers: credentialHeaders(c, secret, options.userToken) }, { ...guard, timeoutMs: VERIFY_TIMEOUT_MS, maxBytes: 64 * 1024, maxRedirects: 0 });
    if (probingWithoutUser) return res.status < 500 ? { ok: true } : { ok: false, reason: `GET ${path} answered HTTP ${res.status}.` };
    if (res.status === 401 || res.status === 403) return { ok: false, reason: `The credentials were rejected: GET ${path} answered HTTP ${res.status}.` };
    if (res.status >= 400) return { ok: false, reason: `GET ${path} answered HTTP ${res.status}; set verifyPath to an endpoint that answers 2xx.` };
    return { ok: true };
  } catch (err) {
    if (isEgressError(err)) return { ok: false, reason: err.message };
    return { ok: false, reason: 'The connection could not be reached.' };
  }
}

/** A GitHub App connection's settings and key, or null when one is missing. */
export function githubAppAccess(c: Pick<Connection, 'config'>, secret: ConnectionSecret | undefined): GithubAppAccess | null {
  const cfg = GithubConnectionConfig.parse(c.config);
  if (!cfg.appId || !cfg.installationId || !secret?.privateKey) return null;
  return { apiUrl: cfg.apiUrl, appId: cfg.appId, installationId: cfg.installationId, privateKey: secret.privateKey, allowCidrs: cfg.allowPrivateCidrs };
}
