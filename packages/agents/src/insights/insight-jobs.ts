import { RemitError, type InsightJobCreate, type InsightJobUpdate, type ResourceRef } from '@remit/core';
import { createInsightJob, findRole, getInsightJob, lockInsightJob, updateInsightJob, type InsightJobRecord, type RunRecord, type Sql } from '@remit/db';
import { fireInsightJob, type FireDeps } from './fire-insight-job.ts';
import { checkSchedule, nextDueAfter } from './insight-schedule.ts';

/** Creates a job whose schedule and time zone are checked (`invalid_schedule`), due next at its schedule's first time after `now`. */
export async function createInsightJobChecked(sql: Sql, input: InsightJobCreate, now: Date): Promise<InsightJobRecord> {
  checkSchedule(input.schedule, input.timezone);
  await checkRole(sql, input.role);
  return createInsightJob(sql, { ...input, nextDueAt: input.enabled ? nextDueAfter(input.schedule, input.timezone, now) : null });
}

/**
 * Applies a patch to a job. Its next due time is computed again only when the schedule, the time
 * zone or the enabled flag changed, so editing the guidance never skips or adds a due time.
 */
export async function updateInsightJobChecked(sql: Sql, ref: ResourceRef, patch: InsightJobUpdate, now: Date): Promise<InsightJobRecord> {
  const job = await lockInsightJob(sql, ref);
  const next = {
    role: patch.role ?? job.role,
    schedule: patch.schedule ?? job.schedule,
    timezone: patch.timezone ?? job.timezone,
    focus: patch.focus ?? job.focus,
    guidance: patch.guidance ?? job.guidance,
    enabled: patch.enabled ?? job.enabled,
  };
  checkSchedule(next.schedule, next.timezone);
  if (next.role !== job.role) await checkRole(sql, next.role);
  const retimed = next.schedule !== job.schedule || next.timezone !== job.timezone || next.enabled !== job.enabled;
  const nextDueAt = !next.enabled ? null : retimed ? nextDueAfter(next.schedule, next.timezone, now) : job.nextDueAt;
  return updateInsightJob(sql, job.id, { ...next, nextDueAt });
}

/**
 * Starts a job's run now, as its schedule would (the job's role, a schedule trigger), for an
 * admin; its due time is this moment. A refusal is thrown: the caller's transaction then
 * writes nothing.
 */
export async function runInsightJobNow(sql: Sql, deps: FireDeps, ref: ResourceRef, requestedBy: string | null): Promise<RunRecord> {
  const job = await getInsightJob(sql, ref);
  const firing = await fireInsightJob(sql, deps, job, deps.now?.() ?? new Date(), requestedBy);
  if (firing.fired === 'queued') return firing.run;
  if (firing.fired === 'refused') throw firing.error;
  throw new RemitError('already_exists', `Insight job ${JSON.stringify(job.name)} was started for this very moment already; try again.`);
}

/** A job's role must exist and allow insight runs: refused when saved, rather than at every due time. */
async function checkRole(sql: Sql, name: string): Promise<void> {
  const role = await findRole(sql, { name });
  if (!role) throw new RemitError('unknown_reference', `No role named ${JSON.stringify(name)}; create it first.`);
  if (!role.runKinds.includes('insight'))
    throw new RemitError('validation_failed', `role: "${name}" does not allow insight runs; add insight to its runKinds first.`);
}
