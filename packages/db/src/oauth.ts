import type { Sql } from './sql.ts';

export interface OAuthStateRecord {
  connectionId: string;
  userId: string;
  codeVerifierRef: string;
  redirectUri: string;
  expiresAt: Date;
  /** SHA-256 (hex) of the cookie value held by the one browser that confirmed the flow; null until one did. */
  browserHash: string | null;
}

const stateColumns = `connection_id as "connectionId", user_id as "userId", code_verifier_ref as "codeVerifierRef", redirect_uri as "redirectUri",
  expires_at as "expiresAt", browser_hash as "browserHash"`;

export async function createOAuthState(
  sql: Sql,
  stateHash: string,
  s: Omit<OAuthStateRecord, 'expiresAt' | 'browserHash'> & { ttlSeconds: number },
): Promise<void> {
  await sql.query(
    `insert into oauth_states (org_id, state_hash, connection_id, user_id, code_verifier_ref, redirect_uri, expires_at)
     values (remit_current_org(), $1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [stateHash, s.connectionId, s.userId, s.codeVerifierRef, s.redirectUri, s.ttlSeconds],
  );
}

/** A started authorization without spending it, with who started it (their email, else their subject). */
export async function findOAuthState(sql: Sql, stateHash: string): Promise<(OAuthStateRecord & { startedBy: string }) | undefined> {
  const res = await sql.query<OAuthStateRecord & { startedBy: string }>(
    `select ${stateColumns}, (select coalesce(u.email, u.sub) from users u where u.id = oauth_states.user_id) as "startedBy"
       from oauth_states where state_hash = $1`,
    [stateHash],
  );
  return res.rows[0];
}

/**
 * Binds a started authorization to one browser, once: the update matches only a state that is
 * unbound and unexpired, so of two browsers racing, one wins and the other gets undefined.
 */
export async function bindOAuthState(sql: Sql, stateHash: string, browserHash: string): Promise<OAuthStateRecord | undefined> {
  const res = await sql.query<OAuthStateRecord>(
    `update oauth_states set browser_hash = $2
      where state_hash = $1 and browser_hash is null and expires_at > now()
      returning ${stateColumns}`,
    [stateHash, browserHash],
  );
  return res.rows[0];
}

/** Removes and returns a state: a state works once, whether or not it has expired or its browser matches. */
export async function takeOAuthState(sql: Sql, stateHash: string): Promise<OAuthStateRecord | undefined> {
  const res = await sql.query<OAuthStateRecord>(`delete from oauth_states where state_hash = $1 returning ${stateColumns}`, [stateHash]);
  return res.rows[0];
}

interface OAuthGrantRecord {
  secretRef: string;
  expiresAt: Date | null;
  scopes: string[];
}

/**
 * Records a user's grant on a connection, replacing any earlier one; returns the earlier grant's
 * secret reference (its sealed tokens are no longer referred to), if there was one.
 */
export async function upsertOAuthGrant(
  sql: Sql,
  g: { connectionId: string; userId: string; secretRef: string; expiresAt: Date | null; scopes: string[] },
): Promise<{ previousRef: string | undefined }> {
  const previous = await sql.query<{ secretRef: string }>(
    `select secret_ref as "secretRef" from oauth_grants where connection_id = $1 and user_id = $2 for update`,
    [g.connectionId, g.userId],
  );
  await sql.query(
    `insert into oauth_grants (org_id, connection_id, user_id, secret_ref, expires_at, scopes) values (remit_current_org(), $1, $2, $3, $4, $5)
     on conflict (connection_id, user_id) do update set secret_ref = excluded.secret_ref, expires_at = excluded.expires_at, scopes = excluded.scopes, updated_at = now()`,
    [g.connectionId, g.userId, g.secretRef, g.expiresAt, g.scopes],
  );
  const previousRef = previous.rows[0]?.secretRef;
  return { previousRef: previousRef === g.secretRef ? undefined : previousRef };
}

/**
 * Points a grant at refreshed tokens, only if it still points at `previousRef`: false when the
 * grant was replaced (another refresh, a new authorization) or removed (the user was signed
 * out) since it was read, and then nothing is written.
 */
export async function replaceOAuthGrant(
  sql: Sql,
  g: { connectionId: string; userId: string; previousRef: string; secretRef: string; expiresAt: Date | null; scopes: string[] },
): Promise<boolean> {
  const res = await sql.query(
    `update oauth_grants set secret_ref = $4, expires_at = $5, scopes = $6, updated_at = now()
      where connection_id = $1 and user_id = $2 and secret_ref = $3 returning 1`,
    [g.connectionId, g.userId, g.previousRef, g.secretRef, g.expiresAt, g.scopes],
  );
  return res.rows.length === 1;
}

export async function findOAuthGrant(sql: Sql, connectionId: string, userId: string): Promise<OAuthGrantRecord | undefined> {
  const res = await sql.query<OAuthGrantRecord>(
    `select secret_ref as "secretRef", expires_at as "expiresAt", scopes from oauth_grants where connection_id = $1 and user_id = $2`,
    [connectionId, userId],
  );
  return res.rows[0];
}

/** Removes every user's grant on a connection and returns the references of their sealed tokens. */
export async function deleteOAuthGrants(sql: Sql, connectionId: string): Promise<string[]> {
  const res = await sql.query<{ secretRef: string }>(`delete from oauth_grants where connection_id = $1 returning secret_ref as "secretRef"`, [connectionId]);
  return res.rows.map((r) => r.secretRef);
}

/** Cancels every authorization in flight on a connection and returns the references of their sealed PKCE verifiers. */
export async function deleteOAuthStates(sql: Sql, connectionId: string): Promise<string[]> {
  const res = await sql.query<{ ref: string }>(`delete from oauth_states where connection_id = $1 returning code_verifier_ref as "ref"`, [connectionId]);
  return res.rows.map((r) => r.ref);
}
