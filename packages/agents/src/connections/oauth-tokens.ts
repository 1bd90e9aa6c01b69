import { randomBytes } from 'node:crypto';
import { RemitError, type Connection, type ConnectionSecret } from '@remit/core';
import { replaceOAuthGrant, upsertOAuthGrant, type Sql } from '@remit/db';
import { guardedFetch, isEgressError, type Resolver } from '@remit/egress';
import { parseSecretRef, type SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import { allowedCidrs } from './config-values.ts';
import { adoptSealed, retireSealed, sealUnreferenced } from './sealed-secrets.ts';
import type { Transact } from './transact.ts';

export interface OAuthDeps {
  secrets: SecretStore;
  orgId: string;
  resolver?: Resolver | undefined;
  logger: Logger;
}

export type OAuthConnection = Pick<Connection, 'id' | 'name' | 'type' | 'authMode' | 'oauth' | 'config'> & { secretRef: string | null };

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

// Refresh a little before expiry so a token does not lapse mid-request.
const REFRESH_MARGIN_MS = 60_000;
const TOKEN_TIMEOUT_MS = 10_000;
const TOKEN_MAX_BYTES = 64 * 1024;

export function requireOAuth(c: OAuthConnection): NonNullable<Connection['oauth']> {
  if (c.authMode !== 'oauth_user' || !c.oauth) throw new RemitError('not_oauth_connection', `"${c.name}" does not use per-user authorization.`);
  return c.oauth;
}

/**
 * One token endpoint call through the egress guard, with the connection's client secret
 * (`secret`, opened by the caller); redirects are refused (RFC 6749 §3.2 wants a direct
 * answer). Never call it inside a database transaction: the provider may take seconds.
 */
export async function tokenRequest(
  deps: Pick<OAuthDeps, 'resolver'>,
  c: OAuthConnection,
  secret: ConnectionSecret | undefined,
  form: Record<string, string>,
): Promise<TokenSet> {
  const oauth = requireOAuth(c);
  const body = new URLSearchParams({ ...form, client_id: oauth.clientId, ...(secret?.clientSecret ? { client_secret: secret.clientSecret } : {}) });
  let res;
  try {
    res = await guardedFetch(
      oauth.tokenUrl,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() },
      {
        ...(deps.resolver ? { resolver: deps.resolver } : {}),
        allowCidrs: allowedCidrs(c.config),
        maxRedirects: 0,
        timeoutMs: TOKEN_TIMEOUT_MS,
        maxBytes: TOKEN_MAX_BYTES,
      },
    );
  } catch (err) {
    throw new RemitError('oauth_exchange_failed', `The token endpoint could not be reached${isEgressError(err) ? `: ${err.message}` : ''}.`, { cause: err });
  }
  let json: Partial<TokenSet> & { error?: string };
  try {
    json = JSON.parse(res.body.toString('utf8')) as typeof json;
  } catch {
    // The parser's message quotes the body, which may hold a token: the status says enough.
    throw new RemitError('oauth_exchange_failed', `The token endpoint answered HTTP ${res.status} without JSON.`);
  }
  if (res.status !== 200 || typeof json.access_token !== 'string') {
    // RFC 6749 §5.2 error codes are safe to show; anything else from the body is not.
    const code = typeof json.error === 'string' && /^[a-z_]{1,64}$/.test(json.error) ? json.error : `HTTP ${res.status}`;
    throw new RemitError('oauth_exchange_failed', `The provider refused the token request (${code}); start the authorization again.`);
  }
  return json as TokenSet;
}

/** A user's tokens sealed (not yet referred to by a grant), with what the grant records about them. */
export interface SealedTokens {
  connectionId: string;
  userId: string;
  secretRef: string;
  expiresAt: Date | null;
  scopes: string[];
}

/**
 * Seals a user's tokens under a new entry, before the transaction that records the grant; a
 * refresh keeps the previous refresh token when the provider sends none (RFC 6749 §6).
 */
export async function sealTokens(
  deps: OAuthDeps,
  tx: Transact,
  c: Pick<OAuthConnection, 'id'>,
  userId: string,
  tokens: TokenSet,
  previousRefresh?: string,
): Promise<SealedTokens> {
  const ref = { orgId: deps.orgId, scope: 'oauth_user' as const, ownerId: `${c.id}:${userId}`, name: `tokens-${randomBytes(8).toString('hex')}` };
  const stored = { access_token: tokens.access_token, refresh_token: tokens.refresh_token ?? previousRefresh };
  const secretRef = await sealUnreferenced(deps, tx, ref, JSON.stringify(stored));
  const expiresAt = typeof tokens.expires_in === 'number' ? new Date(Date.now() + tokens.expires_in * 1000) : null;
  return { connectionId: c.id, userId, secretRef, expiresAt, scopes: tokens.scope ? tokens.scope.split(' ') : [] };
}

/** In the transaction of a new authorization: records the grant, replacing any earlier one. Returns the secrets to delete after commit. */
export async function recordGrant(sql: Sql, sealed: SealedTokens): Promise<string[]> {
  await adoptSealed(sql, sealed.secretRef);
  const { previousRef } = await upsertOAuthGrant(sql, sealed);
  return retireSealed(sql, [previousRef]);
}

/**
 * In a run's write transaction: points the grant at refreshed tokens if it still points at the
 * ones refreshed. If it moved meanwhile (another run refreshed, the user authorized again, an
 * admin signed users out), nothing is written and the new entry goes; the run still uses the
 * token it got, which is as good as one read a moment earlier. Returns the secrets to delete
 * after commit.
 */
export async function recordRefresh(sql: Sql, sealed: SealedTokens, previousRef: string): Promise<string[]> {
  if (!(await replaceOAuthGrant(sql, { ...sealed, previousRef }))) return [sealed.secretRef];
  await adoptSealed(sql, sealed.secretRef);
  return retireSealed(sql, [previousRef]);
}

/** Why a user's token could not be used; the two are told apart in operators' logs. */
type UserTokenProblem = 'user_tokens_unreadable' | 'oauth_refresh_failed';

type UserToken =
  { ok: true; token: string | undefined; refreshed?: { tokens: TokenSet; previousRefresh: string } } | { ok: false; problem: UserTokenProblem; cause: unknown };

/**
 * The triggering user's access token from their grant (read beforehand), refreshed at the
 * token endpoint when it is about to expire; `token` is undefined when there is none to use.
 * Runs with no transaction open; a refresh is for the caller to seal and record.
 */
export async function openUserToken(
  deps: OAuthDeps,
  c: OAuthConnection,
  clientSecret: ConnectionSecret | undefined,
  grant: { secretRef: string; expiresAt: Date | null } | undefined,
): Promise<UserToken> {
  if (!grant) return { ok: true, token: undefined };
  let stored: { access_token: string; refresh_token?: string };
  try {
    stored = JSON.parse((await deps.secrets.get(parseSecretRef(grant.secretRef))).reveal()) as typeof stored;
  } catch (err) {
    return { ok: false, problem: 'user_tokens_unreadable', cause: err };
  }
  const fresh = !grant.expiresAt || new Date(grant.expiresAt).getTime() - REFRESH_MARGIN_MS > Date.now();
  if (fresh) return { ok: true, token: stored.access_token };
  if (!stored.refresh_token) return { ok: true, token: undefined };
  try {
    const tokens = await tokenRequest(deps, c, clientSecret, { grant_type: 'refresh_token', refresh_token: stored.refresh_token });
    return { ok: true, token: tokens.access_token, refreshed: { tokens, previousRefresh: stored.refresh_token } };
  } catch (err) {
    return { ok: false, problem: 'oauth_refresh_failed', cause: err };
  }
}
