import { isRemitError, type RateLimits } from '@remit/core';
import { claimDueReindexes, type Database, type DueReindex, type Sql } from '@remit/db';
import type { Logger } from 'pino';
import type { IndexRunInput } from '../kinds/index-repository.ts';
import { startRunIn } from '../start-run.ts';

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

/**
 * The QueueReindex the worker uses: an `index` run of the repository through its connection, as
 * the first of `due.roles` (by name) whose kind list allows it, under the schedule trigger
 * `graph-reindex:<repositoryId>`. A refusal (no such role, a limit, a budget) writes nothing:
 * the savepoint undoes whatever startRunIn began.
 */
export function queueIndexRun(deps: { rateLimits: RateLimits; now?: (() => Date) | undefined }): QueueReindex {
  return async (sql, due) => {
    const found = await sql.query<{ role: string; connection: string }>(
      `select r.name as role, c.name as connection from roles r, connections c
        where r.name = any ($1::text[]) and 'index' = any (r.run_kinds) and c.id = $2
        order by r.name limit 1`,
      [due.roles, due.connectionId],
    );
    const pick = found.rows[0];
    if (!pick) return { queued: false, reason: 'no_role_allows_index' };
    const input: IndexRunInput = { repository: due.repository, connection: pick.connection };
    await sql.query('savepoint graph_reindex');
    try {
      await startRunIn(sql, deps, {
        kind: 'index',
        input: JSON.stringify(input),
        trigger: { type: 'schedule', scheduleId: `graph-reindex:${due.repositoryId}`, role: pick.role },
      });
      await sql.query('release savepoint graph_reindex');
      return { queued: true };
    } catch (err) {
      if (!isRemitError(err)) throw err;
      await sql.query('rollback to savepoint graph_reindex');
      return { queued: false, reason: err.code };
    }
  };
}
