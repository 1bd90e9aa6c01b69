import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendAudit } from '@remit/audit';
import { RemitError, connectionConfigSchemas, isRemitError } from '@remit/core';
import { bindOAuthState, createOAuthState, findOAuthState, getConnectionRecord, takeOAuthState, type OAuthStateRecord, type Sql } from '@remit/db';
import { parseSecretRef } from '@remit/secrets';
import { openConnectionSecret } from './connection-secret.ts';
import { linkGithubAccount } from '../review/link-github-account.ts';
import { recordGrant, requireOAuth, sealTokens, tokenRequest, type OAuthConnection, type OAuthDeps } from './oauth-tokens.ts';
import { adoptSealed, deleteSealed, retireSealed, sealUnreferenced } from './sealed-secrets.ts';
import type { Transact, Transactions } from './transact.ts';

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

const STATE_TTL_SECONDS = 600;

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const hashState = (state: string) => sha256(state).toString('hex');

/**
 * Step 1: a one-time state bound to this user and connection, with its PKCE verifier sealed;
 * only the state's hash is stored. The caller turns the state into the link to Remit's
 * confirmation page; the provider's URL is not given out here, so it cannot be forwarded. The
 * verifier is sealed before `t.write` (which the caller ends with its audit entry), not in it.
 */
export async function startAuthorization(
  deps: OAuthDeps,
  t: Transactions<{ state: string; expiresAt: Date }>,
  c: OAuthConnection,
  userId: string,
  redirectUri: string,
): Promise<{ state: string; expiresAt: Date }> {
  requireOAuth(c);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const verifierRef = await sealUnreferenced(
    deps,
    t.tx,
    { orgId: deps.orgId, scope: 'oauth_user', ownerId: `${c.id}:${userId}`, name: `pkce-${hashState(state).slice(0, 16)}` },
    verifier,
  );
  try {
    return await t.write(async (sql) => {
      await adoptSealed(sql, verifierRef);
      await createOAuthState(sql, hashState(state), { connectionId: c.id, userId, codeVerifierRef: verifierRef, redirectUri, ttlSeconds: STATE_TTL_SECONDS });
      return { state, expiresAt: new Date(Date.now() + STATE_TTL_SECONDS * 1000) };
    });
  } catch (err) {
    await deleteSealed(deps, t.tx, [verifierRef]);
    throw err;
  }
}

/** A started, unconfirmed, unexpired flow for this connection, or invalid_oauth_state. */
async function openFlow(
  sql: Sql,
  connectionName: string,
  state: string,
): Promise<{ saved: OAuthStateRecord & { startedBy: string }; connection: OAuthConnection }> {
  const saved = await findOAuthState(sql, hashState(state));
  if (!saved || saved.expiresAt.getTime() < Date.now()) throw new RemitError('invalid_oauth_state');
  const connection = await getConnectionRecord(sql, { id: saved.connectionId });
  if (connection.name !== connectionName) throw new RemitError('invalid_oauth_state');
  if (saved.browserHash)
    throw new RemitError('invalid_oauth_state', 'This link was already confirmed in a browser, and works once; start the authorization again.');
  return { saved, connection };
}

/** What the confirmation page shows: who asked, and where the browser will be sent. */
export async function describeAuthorization(
  sql: Sql,
  p: { connectionName: string; state: string },
): Promise<{ startedBy: string; providerOrigin: string; expiresAt: Date }> {
  const { saved, connection } = await openFlow(sql, p.connectionName, p.state);
  return { startedBy: saved.startedBy, providerOrigin: new URL(requireOAuth(connection).authorizeUrl).origin, expiresAt: saved.expiresAt };
}

/**
 * Step 2: binds the flow to the browser that confirmed it, once, and returns the value that
 * browser must keep (in a cookie) and the provider URL to send it to. `write` is the caller's
 * transaction (it adds its audit entry); the sealed verifier is read after it commits.
 */
export async function confirmAuthorization(
  deps: OAuthDeps,
  write: <T extends { userId: string; connectionId: string }>(fn: (sql: Sql) => Promise<T>) => Promise<T>,
  p: { connectionName: string; state: string },
): Promise<{ browserValue: string; providerUrl: string; expiresAt: Date; userId: string; connectionId: string }> {
  const browserValue = randomBytes(32).toString('base64url');
  const flow = await write(async (sql) => {
    const { connection } = await openFlow(sql, p.connectionName, p.state);
    const oauth = requireOAuth(connection);
    const bound = await bindOAuthState(sql, hashState(p.state), sha256(browserValue).toString('hex'));
    if (!bound) throw new RemitError('invalid_oauth_state', 'This link was already confirmed in a browser, and works once; start the authorization again.');
    return { bound, oauth, userId: bound.userId, connectionId: connection.id };
  });
  const { bound, oauth } = flow;
  const verifier = (await deps.secrets.get(parseSecretRef(bound.codeVerifierRef))).reveal();
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', oauth.clientId);
  url.searchParams.set('redirect_uri', bound.redirectUri);
  if (oauth.scopes.length) url.searchParams.set('scope', oauth.scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', sha256(verifier).toString('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { browserValue, providerUrl: url.href, expiresAt: bound.expiresAt, userId: flow.userId, connectionId: flow.connectionId };
}

/** Both sides are hashed to 32 bytes, so the comparison is constant-time whatever the browser sent. */
function sameBrowser(storedHash: string | null, presented: string | undefined): boolean {
  if (!storedHash || !presented) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = sha256(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Deletes the state, in a transaction of its own, and then its sealed verifier: after this the
 * flow cannot be finished by anyone. The verifier is retired in that transaction and read and
 * deleted after it, outside any transaction.
 */
async function spendState(
  deps: OAuthDeps,
  tx: Transact,
  state: string,
): Promise<{ saved: OAuthStateRecord; connection: OAuthConnection; verifier: string } | undefined> {
  const spent = await tx(async (sql) => {
    const saved = await takeOAuthState(sql, hashState(state));
    if (!saved) return undefined;
    await retireSealed(sql, [saved.codeVerifierRef]);
    return { saved, connection: await getConnectionRecord(sql, { id: saved.connectionId }) };
  });
  if (!spent) return undefined;
  try {
    const verifier = (await deps.secrets.get(parseSecretRef(spent.saved.codeVerifierRef))).reveal();
    return { ...spent, verifier };
  } finally {
    await deleteSealed(deps, tx, [spent.saved.codeVerifierRef]);
  }
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
  p: {
    connectionName: string;
    state: string | undefined;
    browserValue: string | undefined;
    code: string | undefined;
    error: string | undefined;
    requestId: string;
  },
): Promise<{ userId: string; connection: OAuthConnection }> {
  let flow: { userId: string; connectionId: string } | undefined;
  try {
    if (!p.state) throw new RemitError('validation_failed', 'state: the provider sent the browser back without the state; start the authorization again.');
    const spent = await spendState(deps, tx, p.state);
    if (spent) flow = { userId: spent.saved.userId, connectionId: spent.saved.connectionId };
    if (!spent || spent.saved.expiresAt.getTime() < Date.now() || spent.connection.name !== p.connectionName) throw new RemitError('invalid_oauth_state');
    if (!sameBrowser(spent.saved.browserHash, p.browserValue)) {
      throw new RemitError(
        'oauth_browser_mismatch',
        'This browser did not confirm this authorization: finish it in the browser that opened Remit’s link. It has been cancelled; start again.',
      );
    }
    if (p.error !== undefined)
      throw new RemitError('oauth_provider_refused', `The provider did not authorize Remit (${providerErrorCode(p.error)}); start the authorization again.`);
    if (!p.code)
      throw new RemitError('validation_failed', 'code: the provider sent the browser back without an authorization code; start the authorization again.');
    const { saved, connection, verifier } = spent;
    // The exchange and the sealing happen between transactions: the provider may take seconds.
    const clientSecret = connection.secretRef ? await openConnectionSecret(deps.secrets, connection.secretRef) : undefined;
    const tokens = await tokenRequest(deps, connection, clientSecret, {
      grant_type: 'authorization_code',
      code: p.code,
      redirect_uri: saved.redirectUri,
      code_verifier: verifier,
    });
    const sealed = await sealTokens(deps, tx, connection, saved.userId, tokens);
    let replaced: string[];
    try {
      replaced = await tx(async (sql) => {
        const retired = await recordGrant(sql, sealed);
        await appendAudit(sql, {
          actorId: saved.userId,
          action: 'oauth.connect',
          targetType: 'connection',
          targetId: connection.id,
          outcome: 'success',
          requestId: p.requestId,
          detail: { connection: connection.name },
        });
        return retired;
      });
    } catch (err) {
      await deleteSealed(deps, tx, [sealed.secretRef]);
      throw err;
    }
    await deleteSealed(deps, tx, replaced);
    if (connection.type === 'github') {
      const config = connectionConfigSchemas.github.parse(connection.config);
      await linkGithubAccount(deps, tx, {
        apiUrl: config.apiUrl,
        allowCidrs: config.allowPrivateCidrs,
        accessToken: tokens.access_token,
        userId: saved.userId,
        requestId: p.requestId,
      });
    }
    return { userId: saved.userId, connection };
  } catch (err) {
    const reason = isRemitError(err) ? err.code : 'internal';
    try {
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
    } catch (auditErr) {
      // The refusal below is what the caller must see; the lost audit entry is for operators.
      deps.logger.error({ err: auditErr, refusal: reason, requestId: p.requestId }, 'oauth.connect refusal not audited');
    }
    throw err;
  }
}
