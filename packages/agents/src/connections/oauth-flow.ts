import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendAudit } from '@remit/audit';
import { RemitError, isRemitError } from '@remit/core';
import { bindOAuthState, createOAuthState, findOAuthState, getConnectionRecord, takeOAuthState, type OAuthStateRecord, type Sql } from '@remit/db';
import { SecretValue, formatSecretRef, parseSecretRef } from '@remit/secrets';
import { requireOAuth, sealGrant, tokenRequest, type OAuthConnection, type OAuthDeps } from './oauth-tokens.ts';

/**
 * The authorization-code flow (RFC 6749 §4.1) with PKCE (RFC 7636, S256), in three steps so
 * that the account linked is the one approved in the browser of the user who asked:
 *
 * 1. `startAuthorization` — the signed-in user (bearer token) gets a one-time state.
 * 2. `confirmAuthorization` — a browser opens Remit's page for that state and confirms; the
 *    flow is bound to that browser (a random value in a cookie, its hash stored) and only
 *    then does the browser learn the provider's authorize URL.
 * 3. `completeAuthorization` — the provider's redirect; refused unless it comes from the
 *    browser that confirmed (login CSRF, RFC 6749 §10.12).
 */

/** Runs `fn` in a transaction of its own that commits when `fn` returns. */
export type Transact = <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;

const STATE_TTL_SECONDS = 600;

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const hashState = (state: string) => sha256(state).toString('hex');

/**
 * Step 1: a one-time state bound to this user and connection, with its PKCE verifier sealed;
 * only the state's hash is stored. The caller turns the state into the link to Remit's
 * confirmation page; the provider's URL is not given out here, so it cannot be forwarded.
 */
export async function startAuthorization(deps: OAuthDeps, sql: Sql, c: OAuthConnection, userId: string, redirectUri: string): Promise<{ state: string; expiresAt: Date }> {
  requireOAuth(c);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const verifierRef = { orgId: deps.orgId, scope: 'oauth_user' as const, ownerId: `${c.id}:${userId}`, name: `pkce-${hashState(state).slice(0, 16)}` };
  await deps.secrets.put(verifierRef, new SecretValue(verifier));
  await createOAuthState(sql, hashState(state), { connectionId: c.id, userId, codeVerifierRef: formatSecretRef(verifierRef), redirectUri, ttlSeconds: STATE_TTL_SECONDS });
  return { state, expiresAt: new Date(Date.now() + STATE_TTL_SECONDS * 1000) };
}

/** A started, unconfirmed, unexpired flow for this connection, or invalid_oauth_state. */
async function openFlow(sql: Sql, connectionName: string, state: string): Promise<{ saved: OAuthStateRecord & { startedBy: string }; connection: OAuthConnection }> {
  const saved = await findOAuthState(sql, hashState(state));
  if (!saved || saved.expiresAt.getTime() < Date.now()) throw new RemitError('invalid_oauth_state');
  const connection = await getConnectionRecord(sql, { id: saved.connectionId });
  if (connection.name !== connectionName) throw new RemitError('invalid_oauth_state');
  if (saved.browserHash) throw new RemitError('invalid_oauth_state', 'This link was already confirmed in a browser, and works once; start the authorization again.');
  return { saved, connection };
}

/** What the confirmation page shows: who asked, and where the browser will be sent. */
export async function describeAuthorization(sql: Sql, p: { connectionName: string; state: string }): Promise<{ startedBy: string; providerOrigin: string; expiresAt: Date }> {
  const { saved, connection } = await openFlow(sql, p.connectionName, p.state);
  return { startedBy: saved.startedBy, providerOrigin: new URL(requireOAuth(connection).authorizeUrl).origin, expiresAt: saved.expiresAt };
}

/**
 * Step 2: binds the flow to the browser that confirmed it, once, and returns the value that
 * browser must keep (in a cookie) and the provider URL to send it to.
 */
export async function confirmAuthorization(
  deps: OAuthDeps,
  sql: Sql,
  p: { connectionName: string; state: string },
): Promise<{ browserValue: string; providerUrl: string; expiresAt: Date; userId: string; connectionId: string }> {
  const { connection } = await openFlow(sql, p.connectionName, p.state);
  const oauth = requireOAuth(connection);
  const browserValue = randomBytes(32).toString('base64url');
  const bound = await bindOAuthState(sql, hashState(p.state), sha256(browserValue).toString('hex'));
  if (!bound) throw new RemitError('invalid_oauth_state', 'This link was already confirmed in a browser, and works once; start the authorization again.');
  const verifier = (await deps.secrets.get(parseSecretRef(bound.codeVerifierRef))).reveal();
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', oauth.clientId);
  url.searchParams.set('redirect_uri', bound.redirectUri);
  if (oauth.scopes.length) url.searchParams.set('scope', oauth.scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', sha256(verifier).toString('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { browserValue, providerUrl: url.href, expiresAt: bound.expiresAt, userId: bound.userId, connectionId: connection.id };
}

/** Both sides are hashed to 32 bytes, so the comparison is constant-time whatever the browser sent. */
function sameBrowser(storedHash: string | null, presented: string | undefined): boolean {
  if (!storedHash || !presented) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = sha256(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Deletes the state and its sealed verifier: after this, the flow cannot be finished by anyone. */
async function spendState(deps: OAuthDeps, sql: Sql, state: string): Promise<{ saved: OAuthStateRecord; connection: OAuthConnection; verifier: string } | undefined> {
  const saved = await takeOAuthState(sql, hashState(state));
  if (!saved) return undefined;
  const verifierRef = parseSecretRef(saved.codeVerifierRef);
  const verifier = (await deps.secrets.get(verifierRef)).reveal();
  await deps.secrets.delete(verifierRef);
  return { saved, connection: await getConnectionRecord(sql, { id: saved.connectionId }), verifier };
}

// RFC 6749 §4.1.2.1 error codes are short ASCII words and safe to show; anything else is not.
const providerErrorCode = (error: string) => (/^[a-z_]{1,64}$/.test(error) ? error : 'unrecognised error');

/**
 * Step 3, the provider's redirect. The state is spent first, in its own transaction, so
 * whatever follows, it cannot be tried again. Then: the browser must be the one that
 * confirmed, the provider must have sent a code and no error, and the code is exchanged with
 * the PKCE verifier and the user's tokens sealed. Every outcome is audited (`oauth.connect`);
 * a refusal as `denied`, under the user who started the flow when the state was known.
 */
export async function completeAuthorization(
  deps: OAuthDeps,
  tx: Transact,
  p: { connectionName: string; state: string | undefined; browserValue: string | undefined; code: string | undefined; error: string | undefined; requestId: string },
): Promise<{ userId: string; connection: OAuthConnection }> {
  let flow: { userId: string; connectionId: string } | undefined;
  try {
    if (!p.state) throw new RemitError('validation_failed', 'state: the provider sent the browser back without the state; start the authorization again.');
    const state = p.state;
    const spent = await tx((sql) => spendState(deps, sql, state));
    if (spent) flow = { userId: spent.saved.userId, connectionId: spent.saved.connectionId };
    if (!spent || spent.saved.expiresAt.getTime() < Date.now() || spent.connection.name !== p.connectionName) throw new RemitError('invalid_oauth_state');
    if (!sameBrowser(spent.saved.browserHash, p.browserValue)) {
      throw new RemitError('oauth_browser_mismatch', 'This browser did not confirm this authorization: finish it in the browser that opened Remit’s link. It has been cancelled; start again.');
    }
    if (p.error !== undefined) throw new RemitError('oauth_provider_refused', `The provider did not authorize Remit (${providerErrorCode(p.error)}); start the authorization again.`);
    if (!p.code) throw new RemitError('validation_failed', 'code: the provider sent the browser back without an authorization code; start the authorization again.');
    const { saved, connection, verifier } = spent;
    const tokens = await tokenRequest(deps, connection, { grant_type: 'authorization_code', code: p.code, redirect_uri: saved.redirectUri, code_verifier: verifier });
    return await tx(async (sql) => {
      await sealGrant(deps, sql, connection, saved.userId, tokens);
      await appendAudit(sql, { actorId: saved.userId, action: 'oauth.connect', targetType: 'connection', targetId: connection.id, outcome: 'success', requestId: p.requestId, detail: { connection: connection.name } });
      return { userId: saved.userId, connection };
    });
  } catch (err) {
    const reason = isRemitError(err) ? err.code : 'internal';
    await tx((sql) =>
      appendAudit(sql, {
        actorId: flow?.userId ?? null,
        action: 'oauth.connect',
        targetType: 'connection',
        targetId: flow?.connectionId ?? null,
        outcome: isRemitError(err) ? 'denied' : 'error',
        requestId: p.requestId,
        detail: { connection: p.connectionName, reason },
      }),
    );
    throw err;
  }
}
