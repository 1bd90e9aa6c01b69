import { appendAudit } from '@remit/audit';
import type { RetentionPeriods } from '@remit/core';
import {
  clearModelCallUsers,
  clearWebhookDeliveries,
  deleteExpiredConsoleLogins,
  deleteExpiredConsoleSessions,
  purgeRunTranscripts,
  type Database,
  type RetentionBatch,
  type Sql,
} from '@remit/db';

export interface RetentionSettings {
  periods: RetentionPeriods;
  /** Rows per transaction (default 500): each batch holds its row locks only for its own short transaction. */
  batchSize: number;
  /**
   * Batches per class in one pass (default 100, so up to 50,000 rows): a backlog (a first pass
   * over years of data) is worked off over several passes instead of one that never ends.
   */
  maxBatches: number;
  /** Deletes rotated log files last written before `before` and says how many; unset: this process writes no log file. */
  pruneLogs?: (before: Date) => Promise<number>;
}

export const defaultRetentionSettings: Omit<RetentionSettings, 'periods'> = { batchSize: 500, maxBatches: 100 };

/** What one pass removed or de-identified, per class: counts only, never what they held. */
export interface RetentionCounts {
  /** Finished runs whose transcript was deleted and whose row was de-identified. */
  runs: number;
  /** Their run events (the transcript itself). */
  runEvents: number;
  modelCalls: number;
  webhookDeliveries: number;
  consoleSessions: number;
  consoleLogins: number;
  logFiles: number;
}

export interface RetentionPassResult {
  counts: RetentionCounts;
  /** False when a class stopped at maxBatches with rows left: the next pass continues it. */
  complete: boolean;
}

const DAY_MS = 86_400_000;

/**
 * One retention pass for an org at `now`: each class is worked in batches of `batchSize`, one
 * transaction each, until a batch comes back short (or `maxBatches`). Every batch selects only
 * rows still to do, so a pass cut off anywhere (a crash, a deploy) loses nothing and the next
 * one picks up where it stopped, and a pass repeated finds nothing. Data of a user or run under
 * an active legal hold is skipped (see @remit/db retention.ts).
 *
 * A pass that changed anything appends one `retention.pass` audit entry with its counts. A pass
 * that changed nothing appends none: passes run hourly on every replica, and a chain of empty
 * entries would record nothing but the schedule (the log line has that).
 */
export async function runRetentionPass(
  deps: { db: Database; orgId: string },
  settings: Partial<RetentionSettings> & Pick<RetentionSettings, 'periods'>,
  now: Date,
): Promise<RetentionPassResult> {
  const { periods, batchSize, maxBatches, pruneLogs } = { ...defaultRetentionSettings, ...settings };
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const tx = <T>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn);
  let complete = true;

  /** Runs `step` batch after batch until one is short; the total it removed. */
  const drain = async (before: Date, step: (sql: Sql, batch: RetentionBatch) => Promise<number>): Promise<number> => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await tx((sql) => step(sql, { before, limit: batchSize }));
      total += n;
      if (n < batchSize) return total;
    }
    complete = false;
    return total;
  };

  let runEvents = 0;
  const runs = await drain(cutoff(periods.transcripts), async (sql, batch) => {
    const purged = await purgeRunTranscripts(sql, { ...batch, now });
    runEvents += purged.events;
    return purged.runs;
  });
  const counts: RetentionCounts = {
    runs,
    runEvents,
    modelCalls: await drain(cutoff(periods.modelCalls), clearModelCallUsers),
    webhookDeliveries: await drain(cutoff(periods.webhookDeliveries), clearWebhookDeliveries),
    // Expired sessions and abandoned logins are dead credentials: they go once expired, whatever the period.
    consoleSessions: await drain(now, deleteExpiredConsoleSessions),
    consoleLogins: await drain(now, deleteExpiredConsoleLogins),
    logFiles: pruneLogs ? await pruneLogs(cutoff(periods.logs)) : 0,
  };

  if (Object.values(counts).some((n) => n > 0)) {
    await tx((sql) =>
      appendAudit(
        sql,
        { actorId: null, action: 'retention.pass', targetType: 'retention', targetId: null, outcome: 'success', detail: { counts, periods, complete } },
        { now },
      ),
    );
  }
  return { counts, complete };
}
