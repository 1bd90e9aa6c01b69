import { RemitError, type Connection } from '@remit/core';
import { findOAuthGrant, upsertOAuthGrant, type Sql } from '@remit/db';
import { guardedFetch, isEgressError, type Resolver } from '@remit/egress';
import { SecretValue, formatSecretRef, parseSecretRef, type SecretStore } from '@remit/secrets';
import { connectionEndpoint } from './credential-headers.ts';
import { openConnectionSecret } from './connection-secret.ts';

export interface OAuthDeps {
  secrets: SecretStore;
  orgId: string;
  resolver?: Resolver | undefined;
}

export type OAuthConnection = Pick<Connection, 'id' | 'name' | 'authMode' | 'oauth' | 'config'> & { secretRef: string | null };

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

// Refresh a little before expiry so a token does not lapse mid-request.
const REFRESH_MARGIN_MS = 60_000;

export function requireOAuth(c: OAuthConnection): NonNullable<Connection['oauth']> {
  if (c.authMode !== 'oauth_user' || !c.oauth) throw new RemitError('not_oauth_connection', `"${c.name}" does not use per-user authorization.`);
  return c.oauth;
}

/** One token endpoint call through the egress guard; redirects are refused (RFC 6749 §3.2 wants a direct answer). */
export async function tokenRequest(deps: OAuthDeps, c: OAuthConnection, form: Record<string, string>): Promise<TokenSet> {
  const oauth = requireOAuth(c);
  const secret = c.secretRef ? await openConnectionSecret(deps.secrets, c.secretRef) : undefined;
  const body = new URLSearchParams({ ...form, client_id: oauth.clientId, ...(secret?.clientSecret ? { client_secret: secret.clientSecret } : {}) });
  let res;
  try {
    res = await guardedFetch(
      oauth.tokenUrl,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() },
      { ...(deps.resolver ? { resolver: deps.resolver } : {}), allowCidrs: connectionEndpoint(c).allowCidrs, maxRedirects: 0, timeoutMs: 10_000, maxBytes: 64 * 1024 },
    );
  } catch (err) {
    throw new RemitError('oauth_exchange_failed', `The token endpoint could not be reached${isEgressError(err) ? `: ${err.message}` : ''}.`);
  }
  let json: Partial<TokenSet> & { error?: string };
  try {
    json = JSON.parse(res.body.toString('utf8')) as typeof json;
  } catch {
    throw new RemitError('oauth_exchange_failed', `The token endpoint answered HTTP ${res.status} without JSON.`);
  }
  if (res.status !== 200 || typeof json.access_token !== 'string') {
    // RFC 6749 §5.2 error codes are safe to show; anything else from the body is not.
    const code = typeof json.error === 'string' && /^[a-z_]{1,64}$/.test(json.error) ? json.error : `HTTP ${res.status}`;
    throw new RemitError('oauth_exchange_failed', `The provider refused the token request (${code}); start the authorization again.`);
  }
  return json as TokenSet;
}

/** Seals a user's tokens (one vault entry per user and connection) and records the grant; returns the access token. */
export async function sealGrant(deps: OAuthDeps, sql: Sql, c: OAuthConnection, userId: string, tokens: TokenSet, previousRefresh?: string): Promise<string> {
  const ref = { orgId: deps.orgId, scope: 'oauth_user' as const, ownerId: `${c.id}:${userId}`, name: 'tokens' };
  const stored = { access_token: tokens.access_token, refresh_token: tokens.refresh_token ?? previousRefresh };
  await deps.secrets.put(ref, new SecretValue(JSON.stringify(stored)));
  const expiresAt = typeof tokens.expires_in === 'number' ? new Date(Date.now() + tokens.expires_in * 1000) : null;
  await upsertOAuthGrant(sql, { connectionId: c.id, userId, secretRef: formatSecretRef(ref), expiresAt, scopes: tokens.scope ? tokens.scope.split(' ') : [] });
  return tokens.access_token;
}

/**
 * The triggering user's access token for a connection, refreshed when it is about to expire;
 * undefined when the user has never connected. Only this user's grant is ever read.
 */
export async function userAccessToken(deps: OAuthDeps, sql: Sql, c: OAuthConnection, userId: string): Promise<string | undefined> {
  const grant = await findOAuthGrant(sql, c.id, userId);
  if (!grant) return undefined;
  const stored = JSON.parse((await deps.secrets.get(parseSecretRef(grant.secretRef))).reveal()) as { access_token: string; refresh_token?: string };
  const fresh = !grant.expiresAt || new Date(grant.expiresAt).getTime() - REFRESH_MARGIN_MS > Date.now();
  if (fresh) return stored.access_token;
  if (!stored.refresh_token) return undefined;
  const tokens = await tokenRequest(deps, c, { grant_type: 'refresh_token', refresh_token: stored.refresh_token });
  return sealGrant(deps, sql, c, userId, tokens, stored.refresh_token);
}
