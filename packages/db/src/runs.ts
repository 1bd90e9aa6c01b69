import { RemitError, type RunKind, type RunStatus } from '@remit/core';
import { announceCancel, announceQueued } from './notifications.ts';
import type { Sql } from './sql.ts';

export interface RunRecord {
  id: string;
  kind: RunKind;
  roleId: string;
  role: string;
  userId: string | null;
  trigger: Record<string, unknown>;
  input: string;
  status: RunStatus;
  statusReason: string | null;
  result: Record<string, unknown> | null;
  maxDurationSeconds: number;
  maxSteps: number;
  steps: number;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  cancelRequested: boolean;
  sandboxId: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const runColumns = `
  r.id, r.kind, r.role_id as "roleId", ro.name as role, r.user_id as "userId", r.trigger, r.input, r.status,
  r.status_reason as "statusReason", r.result, r.max_duration_seconds as "maxDurationSeconds", r.max_steps as "maxSteps",
  r.steps, r.attempts, r.lease_owner as "leaseOwner", r.lease_expires_at as "leaseExpiresAt",
  r.cancel_requested as "cancelRequested", r.sandbox_id as "sandboxId", r.created_at as "createdAt",
  r.updated_at as "updatedAt", r.started_at as "startedAt", r.finished_at as "finishedAt"`;

const selectRun = `select ${runColumns} from runs r join roles ro on ro.id = r.role_id`;

/** A run as people read it: the run, who started it, and what its model calls used. */
export interface RunView extends RunRecord {
  userEmail: string | null;
  /** The model of the run's latest call, whatever its state; null before the first. */
  model: string | null;
  /** Settled calls only, as in usage reports: a reservation is not spend yet. */
  usage: { calls: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number };
  /** created_at to the microsecond, RFC 3339: a Date keeps only milliseconds, too coarse for a keyset. */
  position: string;
}

// One aggregate row per run (an aggregate without GROUP BY always yields one), read through
// model_calls_by_run.
const selectRunView = `
  select ${runColumns}, u.email as "userEmail", mc.model,
         json_build_object('calls', mc.calls, 'inputTokens', mc.input_tokens, 'outputTokens', mc.output_tokens,
                           'cacheReadTokens', mc.cache_read_tokens, 'cacheWriteTokens', mc.cache_write_tokens, 'costUsd', mc.cost_usd) as usage,
         to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position
    from runs r join roles ro on ro.id = r.role_id
    left join users u on u.id = r.user_id
    cross join lateral (
      select (array_agg(m.model order by m.at desc, m.id desc))[1] as model,
             count(*) filter (where m.status = 'settled')::int as calls,
             coalesce(sum(m.input_tokens) filter (where m.status = 'settled'), 0)::int as input_tokens,
             coalesce(sum(m.output_tokens) filter (where m.status = 'settled'), 0)::int as output_tokens,
             coalesce(sum(m.cache_read_tokens) filter (where m.status = 'settled'), 0)::int as cache_read_tokens,
             coalesce(sum(m.cache_write_tokens) filter (where m.status = 'settled'), 0)::int as cache_write_tokens,
             coalesce(sum(m.cost_usd) filter (where m.status = 'settled'), 0)::float8 as cost_usd
        from model_calls m where m.run_id = r.id
    ) mc`;

export async function createRun(
  sql: Sql,
  run: {
    /** Chosen by the caller when something must name the run before it exists (a review's one-per-commit claim); default: the database's. */
    id?: string;
    kind: RunKind;
    roleId: string;
    userId: string | null;
    trigger: Record<string, unknown>;
    input: string;
    maxDurationSeconds: number;
    maxSteps: number;
  },
): Promise<RunRecord> {
  const res = await sql.query<{ id: string }>(
    `insert into runs (org_id, id, kind, role_id, user_id, trigger, input, max_duration_seconds, max_steps)
     values (remit_current_org(), coalesce($8::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, $6, $7) returning id`,
    [run.kind, run.roleId, run.userId, run.trigger, run.input, run.maxDurationSeconds, run.maxSteps, run.id ?? null],
  );
  await announceQueued(sql);
  return getRun(sql, res.rows[0]!.id);
}

async function findRun(sql: Sql, id: string): Promise<RunRecord | undefined> {
  const res = await sql.query<RunRecord>(`${selectRun} where r.id = $1`, [id]);
  return res.rows[0];
}

export async function getRun(sql: Sql, id: string): Promise<RunRecord> {
  const run = await findRun(sql, id);
  if (!run) throw new RemitError('not_found', `No run ${JSON.stringify(id)}.`);
  return run;
}

/** The run with this id as people read it; not_found when there is none (or it is another org's). */
export async function getRunView(sql: Sql, id: string): Promise<RunView> {
  const res = await sql.query<RunView>(`${selectRunView} where r.id = $1`, [id]);
  if (!res.rows[0]) throw new RemitError('not_found', `No run ${JSON.stringify(id)}.`);
  return res.rows[0];
}

export interface RunListOptions {
  limit: number;
  /** Only this user's runs: what a non-admin may see. */
  visibleTo?: string;
  statuses?: readonly RunStatus[];
  kinds?: readonly RunKind[];
  /** A role's name. */
  role?: string;
  /** The user who started the run, by id or by email (compared case-insensitively). */
  user?: { id: string } | { email: string };
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  before?: Date;
  /** Continue after this run: the position and id of the last run of the previous page. */
  after?: { position: string; id: string };
}

/** Newest first, ties broken by id, so pages taken with `after` never skip or repeat a run. Filters combine with AND. */
export async function listRuns(sql: Sql, options: RunListOptions): Promise<RunView[]> {
  const user = options.user;
  const res = await sql.query<RunView>(
    `${selectRunView}
      where ($1::uuid is null or r.user_id = $1)
        and ($2::text[] is null or r.status = any($2::text[]))
        and ($3::text[] is null or r.kind = any($3::text[]))
        and ($4::text is null or ro.name = $4)
        and ($5::uuid is null or r.user_id = $5)
        and ($6::text is null or lower(u.email) = lower($6))
        and ($7::timestamptz is null or r.created_at >= $7)
        and ($8::timestamptz is null or r.created_at < $8)
        and ($9::timestamptz is null or (r.created_at, r.id) < ($9::timestamptz, $10::uuid))
      order by r.created_at desc, r.id desc
      limit $11`,
    [
      options.visibleTo ?? null,
      options.statuses ? [...options.statuses] : null,
      options.kinds ? [...options.kinds] : null,
      options.role ?? null,
      user && 'id' in user ? user.id : null,
      user && 'email' in user ? user.email : null,
      options.since ?? null,
      options.before ?? null,
      options.after?.position ?? null,
      options.after?.id ?? null,
      options.limit,
    ],
  );
  return res.rows;
}

/**
 * Claims up to `limit` queued runs for `worker`. SKIP LOCKED lets any number of workers poll
 * the same table without blocking on or double-claiming each other's rows.
 */
export async function claimRuns(sql: Sql, worker: string, leaseSeconds: number, limit: number): Promise<RunRecord[]> {
  const res = await sql.query<{ id: string }>(
    `update runs set status = 'provisioning', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
            attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
      where id in (select id from runs where status = 'queued' order by created_at limit $3 for update skip locked)
      returning id`,
    [worker, leaseSeconds, limit],
  );
  // One statement at a time: a transaction is one connection, and pg 8 warns about (and pg 9
  // refuses) queries issued while another is in flight on it.
  const runs: RunRecord[] = [];
  for (const row of res.rows) runs.push(await getRun(sql, row.id));
  return runs;
}

/** Extends the lease if `worker` still holds it. Returns undefined when the lease was lost. */
export async function renewLease(sql: Sql, runId: string, worker: string, leaseSeconds: number): Promise<{ cancelRequested: boolean } | undefined> {
  const res = await sql.query<{ cancelRequested: boolean }>(
    `update runs set lease_expires_at = now() + make_interval(secs => $3)
      where id = $1 and lease_owner = $2 and status in ('provisioning', 'running', 'finishing')
      returning cancel_requested as "cancelRequested"`,
    [runId, worker, leaseSeconds],
  );
  return res.rows[0];
}

/** Moves a leased run to a non-terminal status; false when the lease was lost. */
export async function setRunStatus(
  sql: Sql,
  runId: string,
  worker: string,
  status: 'running' | 'finishing',
  fields: { sandboxId?: string; steps?: number } = {},
): Promise<boolean> {
  const res = await sql.query(
    `update runs set status = $3, sandbox_id = coalesce($4, sandbox_id), steps = coalesce($5, steps), updated_at = now()
      where id = $1 and lease_owner = $2 and status in ('provisioning', 'running', 'finishing')`,
    [runId, worker, status, fields.sandboxId ?? null, fields.steps ?? null],
  );
  return res.rowCount === 1;
}

/** Ends a leased run; false when the lease was lost (someone else already ended it). */
export async function finishRun(
  sql: Sql,
  runId: string,
  worker: string,
  outcome: { status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out'; reason: string | null; result: Record<string, unknown> | null; steps: number },
): Promise<boolean> {
  const res = await sql.query(
    `update runs set status = $3, status_reason = $4, result = $5, steps = $6, lease_owner = null, lease_expires_at = null,
            finished_at = now(), updated_at = now()
      where id = $1 and lease_owner = $2 and status in ('provisioning', 'running', 'finishing')`,
    [runId, worker, outcome.status, outcome.reason, outcome.result, outcome.steps],
  );
  return res.rowCount === 1;
}

/**
 * Cancels a queued run at once; flags an active one for its worker, which is woken at commit
 * (and would otherwise see the flag on its next heartbeat) and tears the sandbox down.
 * Terminal runs are left as they are.
 */
export async function requestCancel(sql: Sql, runId: string): Promise<{ status: RunStatus; cancelledNow: boolean }> {
  const queued = await sql.query<{ status: RunStatus }>(
    `update runs set status = 'cancelled', status_reason = 'cancelled_by_user', finished_at = now(), updated_at = now(), cancel_requested = true
      where id = $1 and status = 'queued' returning status`,
    [runId],
  );
  if (queued.rows[0]) return { status: 'cancelled', cancelledNow: true };
  const active = await sql.query<{ status: RunStatus }>(
    `update runs set cancel_requested = true, updated_at = now() where id = $1 and status in ('provisioning', 'running', 'finishing') returning status`,
    [runId],
  );
  if (active.rows[0]) {
    // The worker holding the run wakes on this at commit, instead of at its next heartbeat.
    await announceCancel(sql, runId);
    return { status: active.rows[0].status, cancelledNow: false };
  }
  return { status: (await getRun(sql, runId)).status, cancelledNow: false };
}

/**
 * Ends runs whose worker stopped renewing its lease. Resuming is not safe (a tool call may have
 * had side effects the transcript never recorded), so they fail with reason worker_lost.
 */
export async function failExpiredLeases(sql: Sql, limit: number): Promise<{ id: string; sandboxId: string | null }[]> {
  const res = await sql.query<{ id: string; sandboxId: string | null }>(
    `update runs set status = 'failed', status_reason = 'worker_lost', lease_owner = null, lease_expires_at = null,
            finished_at = now(), updated_at = now()
      where id in (select id from runs where status in ('provisioning', 'running', 'finishing') and lease_expires_at < now()
                   order by lease_expires_at limit $1 for update skip locked)
      returning id, sandbox_id as "sandboxId"`,
    [limit],
  );
  return res.rows;
}

/** Status of each id (unknown ids are absent), for the sandbox reaper. */
export async function runStatuses(sql: Sql, ids: readonly string[]): Promise<Map<string, RunStatus>> {
  const res = await sql.query<{ id: string; status: RunStatus }>('select id, status from runs where id = any($1::uuid[])', [ids]);
  return new Map(res.rows.map((r) => [r.id, r.status]));
}
