import type { Sql } from './sql.ts';

/** A signed-in console browser, found by the hash of its cookie. */
export interface ConsoleSessionRecord {
  userId: string;
  sub: string;
  email: string | null;
  groups: string[];
  csrfToken: string;
  expiresAt: Date;
}

/** Stores a new session; expired ones are swept on the way, so the table never grows without bound. */
export async function createConsoleSession(
  sql: Sql,
  idHash: string,
  s: { userId: string; sub: string; email: string | null; groups: readonly string[]; csrfToken: string; ttlSeconds: number },
): Promise<void> {
  await sql.query(`delete from console_sessions where expires_at < now()`);
  await sql.query(
    `insert into console_sessions (org_id, id_hash, user_id, sub, email, groups, csrf_token, expires_at)
     values (remit_current_org(), $1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [idHash, s.userId, s.sub, s.email, [...s.groups], s.csrfToken, s.ttlSeconds],
  );
}

/** The live session with this id hash; undefined when there is none or it has expired. */
export async function findConsoleSession(sql: Sql, idHash: string): Promise<ConsoleSessionRecord | undefined> {
  const res = await sql.query<ConsoleSessionRecord>(
    `select user_id as "userId", sub, email, groups, csrf_token as "csrfToken", expires_at as "expiresAt"
       from console_sessions where id_hash = $1 and expires_at > now()`,
    [idHash],
  );
  return res.rows[0];
}

/** Ends a session; true when there was one. */
export async function deleteConsoleSession(sql: Sql, idHash: string): Promise<boolean> {
  const res = await sql.query(`delete from console_sessions where id_hash = $1`, [idHash]);
  return res.rowCount > 0;
}

/** Keeps an OIDC login's flow until its callback; expired ones are swept on the way. */
export async function createConsoleLogin(sql: Sql, idHash: string, flow: unknown, ttlSeconds: number): Promise<void> {
  await sql.query(`delete from console_logins where expires_at < now()`);
  await sql.query(`insert into console_logins (org_id, id_hash, flow, expires_at) values (remit_current_org(), $1, $2, now() + make_interval(secs => $3))`, [
    idHash,
    JSON.stringify(flow),
    ttlSeconds,
  ]);
}

/** Takes (deletes and returns) a login's flow, once; undefined when unknown, spent or expired. */
export async function takeConsoleLogin(sql: Sql, idHash: string): Promise<unknown> {
  const res = await sql.query<{ flow: unknown }>(`delete from console_logins where id_hash = $1 and expires_at > now() returning flow`, [idHash]);
  return res.rows[0]?.flow;
}
