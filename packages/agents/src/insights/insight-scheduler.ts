import { defaultRateLimits, type RateLimits } from '@remit/core';
import { advanceInsightJob, claimDueInsightJobs, type Database } from '@remit/db';
import type { Logger } from 'pino';
import { fireInsightJob } from './fire-insight-job.ts';
import { nextDueAfter } from './insight-schedule.ts';

/** Jobs fired in one transaction; more wait for the next pass. */
const JOBS_PER_PASS = 20;

interface SchedulerDeps {
  db: Database;
  orgId: string;
  logger: Logger;
  /** The limits runs are started under; default defaultRateLimits. */
  rateLimits?: RateLimits | undefined;
  now?: (() => Date) | undefined;
}

/**
 * One scheduler pass (a maintenance job, so every replica runs it): the enabled jobs due now,
 * locked with SKIP LOCKED, each fired for its due time (fire-insight-job.ts: once, by the
 * firing's unique key) and moved to its next due time after now. A job whose worker was down
 * over several due times fires once, for the latest, and is not caught up: an insight is a
 * look at the platform as it is now.
 */
export async function fireDueInsightJobs(deps: SchedulerDeps): Promise<{ queued: number; refused: number }> {
  const now = deps.now?.() ?? new Date();
  const rateLimits = deps.rateLimits ?? defaultRateLimits;
  const tally = { queued: 0, refused: 0 };
  await deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
    for (const job of await claimDueInsightJobs(sql, now, JOBS_PER_PASS)) {
      const dueAt = job.nextDueAt!;
      const firing = await fireInsightJob(sql, { rateLimits, now: () => now }, job, dueAt, null);
      await advanceInsightJob(sql, job.id, { dueAt, nextDueAt: nextDueAfter(job.schedule, job.timezone, now) });
      if (firing.fired === 'queued') tally.queued++;
      if (firing.fired === 'refused') {
        tally.refused++;
        deps.logger.warn({ job: job.name, reason: firing.error.code }, 'insight job due, but its run was refused');
      }
    }
  });
  return tally;
}
