import type { RetentionPeriods } from '@remit/core';
import type { Database } from '@remit/db';
import type { Logger } from 'pino';
import { runRetentionPass, type RetentionSettings } from './retention-pass.ts';

export interface RetentionSchedule extends Partial<RetentionSettings> {
  /** How often a pass runs (default hourly): periods are whole days, so an hour late deletes nothing late. */
  everyMs?: number;
}

const defaultPeriods: RetentionPeriods = { transcripts: 90, modelCalls: 90, webhookDeliveries: 90, logs: 90 };
const HOUR_MS = 3_600_000;

/**
 * The retention maintenance job: a pass at the first maintenance round, then whenever `everyMs`
 * has passed since the last one began. Without configured periods it keeps the documented
 * default of 90 days for every class, so retention holds even where nobody configured it.
 */
export function retentionJob(schedule: RetentionSchedule = {}) {
  const { everyMs = HOUR_MS, ...settings } = schedule;
  let lastPassAt: number | undefined;
  return {
    name: 'retention',
    async run(deps: { db: Database; orgId: string; logger: Logger; now?: () => Date }): Promise<void> {
      const now = deps.now?.() ?? new Date();
      if (lastPassAt !== undefined && now.getTime() - lastPassAt < everyMs) return;
      lastPassAt = now.getTime();
      const { counts, complete } = await runRetentionPass(deps, { periods: defaultPeriods, ...settings }, now);
      if (Object.values(counts).some((n) => n > 0)) {
        deps.logger.info({ counts, complete }, complete ? 'retention pass done' : 'retention pass stopped at its batch limit; the next pass continues');
      }
    },
  };
}
