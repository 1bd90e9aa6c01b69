import type { Sql } from './sql.ts';

export interface OAuthStateRecord {
  connectionId: string;
  userId: string;
  codeVerifierRef: string;
  redirectUri: string;
  expiresAt: Date;
}

export async function createOAuthState(sql: Sql, stateHash: string, s: Omit<OAuthStateRecord, 'expiresAt'> & { ttlSeconds: number }): Promise<void> {
  await sql.query(
    `insert into oauth_states (org_id, state_hash, connection_id, user_id, code_verifier_ref, redirect_uri, expires_at)
     values (remit_current_org(), $1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [stateHash, s.connectionId, s.userId, s.codeVerifierRef, s.redirectUri, s.ttlSeconds],
  );
}

/** Removes and returns a state: a state works once, whether or not it has expired. */
export async function takeOAuthState(sql: Sql, stateHash: string): Promise<OAuthStateRecord | undefined> {
  const res = await sql.query<OAuthStateRecord>(
    `delete from oauth_states where state_hash = $1
     returning connection_id as "connectionId", user_id as "userId", code_verifier_ref as "codeVerifierRef", redirect_uri as "redirectUri", expires_at as "expiresAt"`,
    [stateHash],
  );
  return res.rows[0];
}

export interface OAuthGrantRecord {
  secretRef: string;
  expiresAt: Date | null;
  scopes: string[];
}

export async function upsertOAuthGrant(sql: Sql, g: { connectionId: string; userId: string; secretRef: string; expiresAt: Date | null; scopes: string[] }): Promise<void> {
  await sql.query(
    `insert into oauth_grants (org_id, connection_id, user_id, secret_ref, expires_at, scopes) values (remit_current_org(), $1, $2, $3, $4, $5)
     on conflict (connection_id, user_id) do update set secret_ref = excluded.secret_ref, expires_at = excluded.expires_at, scopes = excluded.scopes, updated_at = now()`,
    [g.connectionId, g.userId, g.secretRef, g.expiresAt, g.scopes],
  );
}

export async function findOAuthGrant(sql: Sql, connectionId: string, userId: string): Promise<OAuthGrantRecord | undefined> {
  const res = await sql.query<OAuthGrantRecord>(
    `select secret_ref as "secretRef", expires_at as "expiresAt", scopes from oauth_grants where connection_id = $1 and user_id = $2`,
    [connectionId, userId],
  );
  return res.rows[0];
}
