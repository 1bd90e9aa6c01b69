import type { findOAuthGrant, getConnectionRecord } from '@remit/db';
import type { Resolver } from '@remit/egress';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import type { RunGrant, RunOpening } from './connection-type.ts';
import { openConnectionSecret, secretStrings } from './connection-secret.ts';
import { isCredentialError } from './credential-error.ts';
import { withCredentials } from './credential-headers.ts';
import { openUserToken, type TokenSet } from './oauth-tokens.ts';
import { connectionType } from './types/index.ts';

export interface OpenConnectionDeps {
  secrets: SecretStore;
  orgId: string;
  resolver?: Resolver | undefined;
  logger: Logger;
}

/** One of the role's connections as the run's first transaction read it, with the triggering user's grant. */
export interface PlannedConnection {
  record: Awaited<ReturnType<typeof getConnectionRecord>>;
  grant: Awaited<ReturnType<typeof findOAuthGrant>>;
}

/** A user's token refreshed for this run, for the run's last transaction to record. */
export interface Refresh {
  connectionId: string;
  tokens: TokenSet;
  previousRefresh: string;
  previousRef: string;
}

/** `failure` is a code for the run's audit entry (the reason's text may quote an upstream, so it stays in the transcript). */
type OpenedConnection = ({ ok: true; grant: RunGrant; secretValues: string[] } | { ok: false; reason: string; failure: string }) & { refresh?: Refresh };

/**
 * Opens one connection for a run, with no transaction open: its sealed credentials, the
 * triggering user's token (refreshed if it is about to expire), and its type's live check,
 * which also mints what the run receives. A connection that fails is left out with a reason the
 * transcript shows; what went wrong is logged for operators, an unreadable vault and a failed
 * OAuth refresh under different codes.
 */
export async function openRunConnection(
  deps: OpenConnectionDeps,
  run: { id: string; userId: string | null },
  { record: c, grant }: PlannedConnection,
): Promise<OpenedConnection> {
  const log = deps.logger.child({ connection: c.name });
  const how = `authorize Remit once at GET /v1/oauth/${c.name}/start`;
  if (c.authMode === 'oauth_user' && !run.userId)
    return { ok: false, reason: 'it acts with the triggering user’s own authorization, and this run has no user', failure: 'no_user' };
  let secret;
  try {
    secret = c.secretRef ? await openConnectionSecret(deps.secrets, c.secretRef) : undefined;
  } catch (err) {
    log.error({ err, code: 'connection_secret_unreadable' }, 'the connection’s sealed credentials could not be opened from the vault');
    return { ok: false, reason: 'its stored credentials could not be opened; an admin should save them again', failure: 'connection_secret_unreadable' };
  }
  let userToken: string | undefined;
  let refresh: Refresh | undefined;
  if (c.authMode === 'oauth_user') {
    const user = await openUserToken(deps, c, secret, grant);
    if (!user.ok) {
      if (user.problem === 'user_tokens_unreadable')
        log.error({ err: user.cause, code: user.problem }, 'the user’s sealed OAuth tokens could not be opened from the vault');
      else log.warn({ err: user.cause, code: user.problem }, 'the user’s OAuth token could not be refreshed at the token endpoint');
      return { ok: false, reason: `your authorization could not be refreshed; ${how}`, failure: user.problem };
    }
    if (!user.token) return { ok: false, reason: `you have not connected it yet; ${how}`, failure: 'user_not_connected' };
    userToken = user.token;
    if (user.refreshed) refresh = { connectionId: c.id, ...user.refreshed, previousRef: grant!.secretRef };
  }
  let opening: RunOpening;
  try {
    opening = await connectionType(c.type).openForRun(withCredentials(c, secret, userToken), {
      runId: run.id,
      connectionName: c.name,
      resolver: deps.resolver,
    });
  } catch (err) {
    if (!isCredentialError(err)) throw err;
    // A CredentialError carries no cause by design (credential-error.ts): its code and identifiers are what operators get.
    log.warn({ code: err.code, details: err.details }, 'connection failed its live check');
    return { ok: false, reason: `failed its live check: ${err.message}`, failure: err.code, ...(refresh ? { refresh } : {}) };
  }
  if (!opening.ok) {
    if (opening.cause !== undefined) log.warn({ err: opening.cause }, 'connection failed its live check');
    return { ok: false, reason: `failed its live check: ${opening.reason}`, failure: 'live_check_failed', ...(refresh ? { refresh } : {}) };
  }
  const secretValues = [...secretStrings(secret), ...(userToken ? [userToken] : []), ...opening.grant.minted];
  return { ok: true, grant: opening.grant, secretValues, ...(refresh ? { refresh } : {}) };
}
