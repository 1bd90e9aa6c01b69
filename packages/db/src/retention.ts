import type { Sql } from './sql.ts';

/**
 * One retention batch: rows older than `before`, at most `limit` of them, each in the caller's
 * (short) transaction. Every function selects its rows FOR UPDATE SKIP LOCKED, so a batch never
 * waits on a row a request or another replica holds (it is taken by a later pass), and selects
 * only rows not yet done, so a batch repeated or cut off leaves nothing half-done to redo.
 */
export interface RetentionBatch {
  before: Date;
  limit: number;
}

// A user or run under an active legal hold; `user` and `run` are SQL expressions of the row.
const held = (user: string, run: string) => `exists (
  select 1 from legal_holds h
   where h.released_at is null and ((h.user_id is not null and h.user_id = ${user}) or (h.run_id is not null and h.run_id = ${run})))`;

/**
 * Deletes finished runs' transcripts (their events) and de-identifies the run rows: input,
 * result and the trigger's details go, and the user id with them. What stays is what metering
 * and the audit log refer to: the run's id, kind, role, status and reason code, limits, step
 * count and times; its model calls (and so its usage) are kept apart. A run, or the user who
 * started it, under an active legal hold is skipped.
 */
export async function purgeRunTranscripts(sql: Sql, batch: RetentionBatch & { now: Date }): Promise<{ runs: number; events: number }> {
  const res = await sql.query<{ runs: number; events: number }>(
    `with due as (
       select r.id from runs r
        where r.transcript_purged_at is null and r.finished_at is not null and r.finished_at < $1
          and not ${held('r.user_id', 'r.id')}
        order by r.finished_at limit $2 for update of r skip locked),
     events as (delete from run_events e using due where e.run_id = due.id returning 1),
     runs as (
       update runs r set input = '', result = null, trigger = jsonb_build_object('type', r.trigger -> 'type'), user_id = null,
                         transcript_purged_at = $3
         from due where r.id = due.id returning 1)
     select (select count(*) from runs)::int as runs, (select count(*) from events)::int as events`,
    [batch.before, batch.limit, batch.now],
  );
  return res.rows[0]!;
}

/**
 * Forgets who made model calls older than `before` (user_id → null). Tokens, cost, model, role
 * and run stay for billing and usage reports; a call still reserved is in flight and left alone.
 * Calls of a held user or run are skipped.
 */
export async function clearModelCallUsers(sql: Sql, batch: RetentionBatch): Promise<number> {
  const res = await sql.query(
    `with due as (
       select m.id from model_calls m
        where m.user_id is not null and m.at < $1 and m.status <> 'reserved' and not ${held('m.user_id', 'm.run_id')}
        order by m.at limit $2 for update of m skip locked)
     update model_calls m set user_id = null from due where m.id = due.id`,
    [batch.before, batch.limit],
  );
  return res.rowCount;
}

/**
 * De-identifies processed webhook deliveries older than `before`: the payload (the body as
 * GitHub signed it, with the author's account) and the author's login go. The row itself stays
 * with its delivery id, event and outcome: it is what refuses a replay of that delivery, and a
 * GitHub signature carries no time, so deleting it would make a months-old delivery new again.
 * A delivery still waiting for the inbox keeps its payload; one whose run (or that run's user)
 * is held is skipped.
 */
export async function clearWebhookDeliveries(sql: Sql, batch: RetentionBatch): Promise<number> {
  const res = await sql.query(
    `with due as (
       select d.org_id, d.source, d.delivery_id from webhook_deliveries d
         left join runs r on r.id = d.run_id
        where d.outcome <> 'received' and (d.payload is not null or d.author_login is not null) and d.received_at < $1
          and not ${held('r.user_id', 'd.run_id')}
        order by d.received_at limit $2 for update of d skip locked)
     update webhook_deliveries d set payload = null, author_login = null
       from due where (d.org_id, d.source, d.delivery_id) = (due.org_id, due.source, due.delivery_id)`,
    [batch.before, batch.limit],
  );
  return res.rowCount;
}

/**
 * Deletes console sessions that expired before `before` (a held user's are kept: they record
 * when that user signed in, and from which identity).
 */
export async function deleteExpiredConsoleSessions(sql: Sql, batch: RetentionBatch): Promise<number> {
  const res = await sql.query(
    `with due as (
       select s.org_id, s.id_hash from console_sessions s
        where s.expires_at < $1 and not ${held('s.user_id', 'null::uuid')}
        order by s.expires_at limit $2 for update of s skip locked)
     delete from console_sessions s using due where (s.org_id, s.id_hash) = (due.org_id, due.id_hash)`,
    [batch.before, batch.limit],
  );
  return res.rowCount;
}

/** Deletes OIDC logins abandoned before their callback that expired before `before`; they name no user. */
export async function deleteExpiredConsoleLogins(sql: Sql, batch: RetentionBatch): Promise<number> {
  const res = await sql.query(
    `with due as (select org_id, id_hash from console_logins where expires_at < $1 order by expires_at limit $2 for update skip locked)
     delete from console_logins l using due where (l.org_id, l.id_hash) = (due.org_id, due.id_hash)`,
    [batch.before, batch.limit],
  );
  return res.rowCount;
}
