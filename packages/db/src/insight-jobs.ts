import { RemitError, type InsightFocus, type InsightJob, type ResourceRef } from '@remit/core';
import { describeRef, iso, refMatch } from './row-mapping.ts';
import { PgErrorCode, isStillReferenced, pgConstraint, pgErrorCode, type Sql } from './sql.ts';

/** An insight job as stored; the API shows it as InsightJob. */
export interface InsightJobRecord {
  id: string;
  name: string;
  roleId: string;
  role: string;
  schedule: string;
  timezone: string;
  focus: InsightFocus;
  guidance: string;
  enabled: boolean;
  nextDueAt: Date | null;
  lastDueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const selectJobs = `
  select j.id, j.name, j.role_id as "roleId", r.name as role, j.schedule, j.timezone, j.focus, j.guidance, j.enabled,
         j.next_due_at as "nextDueAt", j.last_due_at as "lastDueAt", j.created_at as "createdAt", j.updated_at as "updatedAt"
    from insight_jobs j join roles r on r.id = j.role_id`;

export function insightJobView(j: InsightJobRecord): InsightJob {
  return {
    id: j.id,
    name: j.name,
    role: j.role,
    schedule: j.schedule,
    timezone: j.timezone,
    focus: j.focus,
    guidance: j.guidance,
    enabled: j.enabled,
    nextDueAt: j.nextDueAt && iso(j.nextDueAt),
    lastDueAt: j.lastDueAt && iso(j.lastDueAt),
    createdAt: iso(j.createdAt),
    updatedAt: iso(j.updatedAt),
  };
}

/** What a job is, as written; nextDueAt is computed by the caller from schedule and timezone (null: disabled). */
export interface InsightJobValues {
  role: string;
  schedule: string;
  timezone: string;
  focus: InsightFocus;
  guidance: string;
  nextDueAt: Date | null;
}

/** By name; `afterName` and `limit` take one page (default: all). */
export async function listInsightJobs(sql: Sql, page: { afterName?: string; limit?: number } = {}): Promise<InsightJobRecord[]> {
  const res = await sql.query<InsightJobRecord>(`${selectJobs} where ($1::text is null or j.name > $1) order by j.name limit $2`, [
    page.afterName ?? null,
    page.limit ?? null,
  ]);
  return res.rows;
}

export async function findInsightJob(sql: Sql, ref: ResourceRef): Promise<InsightJobRecord | undefined> {
  const match = refMatch(ref);
  if (!match) return undefined;
  const res = await sql.query<InsightJobRecord>(`${selectJobs} where j.${match.column} = $1`, [match.value]);
  return res.rows[0];
}

export async function getInsightJob(sql: Sql, ref: ResourceRef): Promise<InsightJobRecord> {
  const job = await findInsightJob(sql, ref);
  if (!job) throw new RemitError('not_found', `No insight job ${describeRef(ref)}.`);
  return job;
}

export async function createInsightJob(sql: Sql, job: InsightJobValues & { name: string }): Promise<InsightJobRecord> {
  const roleId = await roleIdOf(sql, job.role);
  let id: string;
  try {
    const res = await sql.query<{ id: string }>(
      `insert into insight_jobs (org_id, name, role_id, schedule, timezone, focus, guidance, enabled, next_due_at)
       values (remit_current_org(), $1, $2, $3, $4, $5, $6, $7, $8) returning id`,
      [job.name, roleId, job.schedule, job.timezone, job.focus, job.guidance, job.nextDueAt !== null, job.nextDueAt],
    );
    id = res.rows[0]!.id;
  } catch (err) {
    if (pgErrorCode(err) === PgErrorCode.uniqueViolation)
      throw new RemitError('already_exists', `An insight job named ${JSON.stringify(job.name)} already exists.`, { cause: err });
    if (pgConstraint(err) === 'insight_jobs_name_check') throw new RemitError('name_looks_like_id', undefined, { cause: err });
    throw err;
  }
  return getInsightJob(sql, { id });
}

/** Rewrites a job whole (the caller merged the patch); the row is locked by the read that preceded it. */
export async function updateInsightJob(sql: Sql, id: string, job: InsightJobValues): Promise<InsightJobRecord> {
  const roleId = await roleIdOf(sql, job.role);
  await sql.query(
    `update insight_jobs set role_id = $2, schedule = $3, timezone = $4, focus = $5, guidance = $6, enabled = $7, next_due_at = $8, updated_at = now()
      where id = $1`,
    [id, roleId, job.schedule, job.timezone, job.focus, job.guidance, job.nextDueAt !== null, job.nextDueAt],
  );
  return getInsightJob(sql, { id });
}

/** The job, locked until the transaction ends: an update or a firing reads it first. */
export async function lockInsightJob(sql: Sql, ref: ResourceRef): Promise<InsightJobRecord> {
  const job = await getInsightJob(sql, ref);
  await sql.query('select 1 from insight_jobs where id = $1 for update', [job.id]);
  return job;
}

/** Deletes a job; its findings stay in the queue (without their job), its firings go with it. */
export async function deleteInsightJob(sql: Sql, ref: ResourceRef): Promise<InsightJobRecord> {
  const job = await getInsightJob(sql, ref);
  try {
    await sql.query('delete from insight_jobs where id = $1', [job.id]);
  } catch (err) {
    if (isStillReferenced(err)) throw new RemitError('in_use', `Insight job ${JSON.stringify(job.name)} is still referenced.`, { cause: err });
    throw err;
  }
  return job;
}

/**
 * Enabled jobs due at `now`, locked for this transaction; a job another scheduler holds is
 * skipped (it is being fired), never waited for.
 */
export async function claimDueInsightJobs(sql: Sql, now: Date, limit: number): Promise<InsightJobRecord[]> {
  const res = await sql.query<{ id: string }>(
    `select id from insight_jobs where enabled and next_due_at <= $1 order by next_due_at, id limit $2 for update skip locked`,
    [now, limit],
  );
  if (res.rows.length === 0) return [];
  const jobs = await sql.query<InsightJobRecord>(`${selectJobs} where j.id = any($1::uuid[]) order by j.next_due_at, j.id`, [res.rows.map((r) => r.id)]);
  return jobs.rows;
}

/**
 * Records that a job's due time fired. False when it already had (another scheduler, or a
 * retried pass): the caller must then start nothing.
 */
export async function recordInsightFiring(sql: Sql, firing: { jobId: string; dueAt: Date; requestedBy: string | null }): Promise<boolean> {
  const res = await sql.query(
    `insert into insight_job_firings (org_id, job_id, due_at, outcome, requested_by) values (remit_current_org(), $1, $2, 'queued', $3)
     on conflict do nothing`,
    [firing.jobId, firing.dueAt, firing.requestedBy],
  );
  return res.rowCount === 1;
}

/** What became of a firing: the run it queued, or why startRun refused it. */
export async function settleInsightFiring(sql: Sql, firing: { jobId: string; dueAt: Date }, outcome: { runId: string } | { refused: string }): Promise<void> {
  await sql.query(`update insight_job_firings set outcome = $3, run_id = $4, reason = $5 where job_id = $1 and due_at = $2`, [
    firing.jobId,
    firing.dueAt,
    'runId' in outcome ? 'queued' : 'refused',
    'runId' in outcome ? outcome.runId : null,
    'refused' in outcome ? outcome.refused : null,
  ]);
}

/** Moves a fired job on: the due time it fired for, and the next one (null when the schedule has no more). */
export async function advanceInsightJob(sql: Sql, id: string, fired: { dueAt: Date; nextDueAt: Date | null }): Promise<void> {
  await sql.query(`update insight_jobs set last_due_at = $2, next_due_at = $3, enabled = enabled and $3::timestamptz is not null where id = $1`, [
    id,
    fired.dueAt,
    fired.nextDueAt,
  ]);
}

async function roleIdOf(sql: Sql, name: string): Promise<string> {
  const res = await sql.query<{ id: string }>('select id from roles where name = $1', [name]);
  if (!res.rows[0]) throw new RemitError('unknown_reference', `No role named ${JSON.stringify(name)}; create it first.`);
  return res.rows[0].id;
}
