import { claimDueReindexes, type Database, type DueReindex, type Sql } from '@remit/db';
import type { Logger } from 'pino';

/**
 * Queues the re-index of one repository inside the claiming transaction (startRunIn with a
 * schedule trigger, as one of `due.roles`), or answers why it could not: the claim stands
 * either way, so a refusal is tried again one interval later, not at every maintenance round.
 */
export type QueueReindex = (sql: Sql, due: DueReindex) => Promise<{ queued: true } | { queued: false; reason: string }>;

export interface ReindexSchedule {
  /** How long after its last index (or last queued re-index) a repository is indexed again: REMIT_GRAPH_REINDEX_HOURS, default 24 h. */
  intervalSeconds?: number;
  /** Repositories claimed per pass; the rest are due at the next pass. */
  batch?: number;
}

const DAY_SECONDS = 86_400;
const BATCH = 20;

/**
 * The scheduled re-index, a maintenance job: each pass claims the repositories read through a
 * connection whose interval has passed and queues their re-index through `queue`. Idempotent
 * and safe on every replica at once (the claim skips rows another pass holds). A repository
 * indexed from a local path is never claimed.
 */
export function graphReindexJob(queue: QueueReindex, schedule: ReindexSchedule = {}) {
  const intervalSeconds = schedule.intervalSeconds ?? DAY_SECONDS;
  const limit = schedule.batch ?? BATCH;
  return {
    name: 'graph_reindex',
    async run(deps: { db: Database; orgId: string; logger: Logger; now?: () => Date }): Promise<void> {
      const now = deps.now?.() ?? new Date();
      const outcomes = await deps.db.tenant({ orgId: deps.orgId, userId: null, graphScope: { kind: 'org' } }, async (sql) => {
        const due = await claimDueReindexes(sql, { now, intervalSeconds, limit });
        const results: { repository: string; queued: boolean; reason?: string }[] = [];
        for (const repo of due) {
          const outcome = await queue(sql, repo);
          results.push({ repository: repo.repository, ...outcome });
        }
        return results;
      });
      for (const o of outcomes) {
        if (o.queued) deps.logger.info({ repository: o.repository }, 'graph re-index queued');
        else deps.logger.warn({ repository: o.repository, reason: o.reason }, 'graph re-index not queued; tried again after the interval');
      }
    },
  };
}
