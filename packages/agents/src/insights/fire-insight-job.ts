import { appendAudit } from '@remit/audit';
import { isRemitError, type RateLimits, type RemitError } from '@remit/core';
import { recordInsightFiring, settleInsightFiring, type InsightJobRecord, type RunRecord, type Sql } from '@remit/db';
import { insightInput } from '../kinds/insight.ts';
import { startRunIn } from '../start-run.ts';

export interface FireDeps {
  rateLimits: RateLimits;
  now?: (() => Date) | undefined;
}

/** What one due time of a job became. */
export type Firing = { fired: 'queued'; run: RunRecord } | { fired: 'refused'; error: RemitError } | { fired: 'already' };

/**
 * Starts the run for one due time of a job, once: the firing row's key (job, due time) is
 * claimed first, in the caller's transaction, and a due time already claimed starts nothing.
 * The run is an ordinary insight run through startRunIn, as the job's role with a schedule
 * trigger. A refusal (the role no longer allows insight runs, a spent budget) is rolled back to
 * a savepoint, recorded on the firing and audited, so the schedule moves on.
 */
export async function fireInsightJob(sql: Sql, deps: FireDeps, job: InsightJobRecord, dueAt: Date, requestedBy: string | null): Promise<Firing> {
  const firing = { jobId: job.id, dueAt };
  if (!(await recordInsightFiring(sql, { ...firing, requestedBy }))) return { fired: 'already' };
  await sql.query('savepoint insight_firing');
  try {
    const run = await startRunIn(sql, deps, {
      kind: 'insight',
      input: insightInput(job),
      trigger: { type: 'schedule', scheduleId: job.id, role: job.role },
    });
    await sql.query('release savepoint insight_firing');
    await settleInsightFiring(sql, firing, { runId: run.id });
    return { fired: 'queued', run };
  } catch (err) {
    if (!isRemitError(err)) throw err;
    await sql.query('rollback to savepoint insight_firing');
    await settleInsightFiring(sql, firing, { refused: err.code });
    await appendAudit(sql, {
      actorId: requestedBy,
      action: 'insight_job.refused',
      targetType: 'insight_job',
      targetId: job.id,
      outcome: 'denied',
      detail: { name: job.name, role: job.role, reason: err.code, dueAt: dueAt.toISOString() },
    });
    return { fired: 'refused', error: err };
  }
}
