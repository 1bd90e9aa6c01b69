import { RemitError } from '@remit/core';
import { Cron } from 'croner';

// Nicknames croner reads; anything else must be the classic five fields. A sixth (seconds)
// field is refused: an insight run costs model calls, so a job fires at most once a minute.
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);

/** Throws `invalid_schedule` unless `schedule` is a five-field cron expression (or a nickname) and `timezone` an IANA zone. */
export function checkSchedule(schedule: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new RemitError('invalid_schedule', `timezone: ${JSON.stringify(timezone)} is not an IANA time zone (for example UTC or Europe/London).`);
  }
  const fields = schedule.trim().split(/\s+/);
  const nickname = fields.length === 1 && NICKNAMES.has(fields[0]!.toLowerCase());
  if (!nickname && fields.length !== 5)
    throw new RemitError(
      'invalid_schedule',
      `schedule: use five cron fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly, not ${fields.length}.`,
    );
  let next: Date | null;
  try {
    next = cronOf(schedule, timezone).nextRun(new Date());
  } catch (err) {
    throw new RemitError('invalid_schedule', `schedule: ${err instanceof Error ? err.message.replace(/^CronPattern: /, '') : 'not a cron expression'}.`, {
      cause: err,
    });
  }
  if (next === null) throw new RemitError('invalid_schedule', 'schedule: it never fires.');
}

/** The first time after `after` that the schedule fires, in its time zone; null when it never will again. */
export function nextDueAfter(schedule: string, timezone: string, after: Date): Date | null {
  return cronOf(schedule, timezone).nextRun(after);
}

function cronOf(schedule: string, timezone: string): Cron {
  // paused: the Cron object only computes times here; the scheduler is a maintenance job.
  return new Cron(schedule.trim(), { timezone, paused: true });
}
