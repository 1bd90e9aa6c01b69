import type { Sql } from './sql.ts';

/**
 * The steps of a user's permanent deletion (packages/agents/src/purge-user.ts runs them in one
 * transaction). Each removes one class of the user's personal data in the current org and says
 * how much it removed, so a purge run twice finds nothing the second time.
 */

/** A user as a purge sees them: what identifies them, and whether they are already a tombstone. */
export interface PurgeTarget {
  id: string;
  sub: string | null;
  email: string | null;
  purgedAt: Date | null;
}

/** Users with this email (case-insensitively; a tombstone has none), oldest first: what an admin picks a purge target from. */
export async function listUsersByEmail(sql: Sql, email: string): Promise<{ id: string; email: string | null; createdAt: Date; lastSeenAt: Date }[]> {
  const res = await sql.query<{ id: string; email: string | null; createdAt: Date; lastSeenAt: Date }>(
    `select id, email, created_at as "createdAt", last_seen_at as "lastSeenAt" from users where lower(email) = lower($1) order by created_at, id`,
    [email],
  );
  return res.rows;
}

/** The user with this id, locked until the transaction ends so no sign-in rewrites the row meanwhile. */
export async function lockPurgeTarget(sql: Sql, userId: string): Promise<PurgeTarget | undefined> {
  const res = await sql.query<PurgeTarget>(`select id, sub, email, purged_at as "purgedAt" from users where id = $1 for update`, [userId]);
  return res.rows[0];
}

/** The user's runs that have not finished: a worker may still write their transcript. */
export async function countUnfinishedRuns(sql: Sql, userId: string): Promise<number> {
  const res = await sql.query<{ n: number }>(`select count(*)::int as n from runs where user_id = $1 and finished_at is null`, [userId]);
  return res.rows[0]!.n;
}

/** Whether an active legal hold names the user or one of their runs (migration 0014). */
export async function isUnderLegalHold(sql: Sql, userId: string): Promise<boolean> {
  const res = await sql.query(
    `select 1 from legal_holds h
      where h.released_at is null
        and (h.user_id = $1 or h.run_id in (select id from runs where user_id = $1))
      limit 1`,
    [userId],
  );
  return res.rows.length > 0;
}

/** Removes the role bindings granted to this email; returns how many. */
export async function deleteUserBindings(sql: Sql, email: string): Promise<number> {
  const res = await sql.query(`delete from role_bindings where subject_kind = 'user' and lower(subject) = lower($1)`, [email]);
  return res.rowCount;
}

/** Removes the user's OAuth grants and authorizations in flight; returns the refs of their sealed tokens and PKCE verifiers. */
export async function deleteUserOAuth(sql: Sql, userId: string): Promise<{ grants: number; states: number; secretRefs: string[] }> {
  const grants = await sql.query<{ ref: string }>(`delete from oauth_grants where user_id = $1 returning secret_ref as ref`, [userId]);
  const states = await sql.query<{ ref: string }>(`delete from oauth_states where user_id = $1 returning code_verifier_ref as ref`, [userId]);
  return { grants: grants.rowCount, states: states.rowCount, secretRefs: [...grants.rows, ...states.rows].map((r) => r.ref) };
}

/** Removes the user's GitHub links; returns the GitHub logins they had (deliveries name them). */
export async function deleteUserGithubLinks(sql: Sql, userId: string): Promise<string[]> {
  const res = await sql.query<{ login: string }>(`delete from github_links where user_id = $1 returning github_login as login`, [userId]);
  return res.rows.map((r) => r.login);
}

/** Signs the user out of every console browser; returns how many sessions went. */
export async function deleteUserConsoleSessions(sql: Sql, userId: string): Promise<number> {
  const res = await sql.query(`delete from console_sessions where user_id = $1`, [userId]);
  return res.rowCount;
}

/**
 * Clears the payload and author of webhook deliveries that started the user's runs or were
 * authored by one of `githubLogins`. The row stays: its delivery id refuses a replay.
 */
export async function clearUserWebhookDeliveries(sql: Sql, userId: string, githubLogins: readonly string[]): Promise<number> {
  const res = await sql.query(
    `update webhook_deliveries d set payload = null, author_login = null
      where (d.payload is not null or d.author_login is not null)
        and (d.run_id in (select id from runs where user_id = $1) or lower(d.author_login) = any($2::text[]))`,
    [userId, githubLogins.map((l) => l.toLowerCase())],
  );
  return res.rowCount;
}

/**
 * Deletes the transcripts of the user's runs and de-identifies the rows, as retention does
 * (retention.ts): input, result and the trigger's details go. The run keeps its id, kind, role,
 * status, times and the tombstone's id, which usage and the audit log refer to.
 */
export async function clearUserRuns(sql: Sql, userId: string): Promise<{ runs: number; events: number }> {
  const res = await sql.query<{ runs: number; events: number }>(
    `with mine as (select id from runs where user_id = $1 for update),
          events as (delete from run_events e using mine where e.run_id = mine.id returning 1),
          cleared as (
            update runs r set input = '', result = null, trigger = jsonb_build_object('type', r.trigger -> 'type'),
                              transcript_purged_at = coalesce(r.transcript_purged_at, now())
              from mine where r.id = mine.id
               and (r.input <> '' or r.result is not null or r.trigger - 'type' <> '{}'::jsonb)
              returning 1)
     select (select count(*) from cleared)::int as runs, (select count(*) from events)::int as events`,
    [userId],
  );
  return res.rows[0]!;
}

/** Turns the user's row into a tombstone: no subject, email or groups; only the id stays. */
export async function tombstoneUser(sql: Sql, userId: string): Promise<void> {
  await sql.query(`update users set sub = null, email = null, groups = '{}', purged_at = coalesce(purged_at, now()) where id = $1`, [userId]);
}
