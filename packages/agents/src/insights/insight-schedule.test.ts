import { isRemitError } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { checkSchedule, nextDueAfter } from './insight-schedule.ts';

function refusal(schedule: string, timezone: string): string | undefined {
  try {
    checkSchedule(schedule, timezone);
    return undefined;
  } catch (err) {
    if (!isRemitError(err)) throw err;
    expect(err.code).toBe('invalid_schedule');
    return err.message;
  }
}

describe('insight schedules', () => {
  it('accepts five-field cron expressions and nicknames in an IANA time zone', () => {
    for (const ok of ['0 6 * * 1-5', '*/15 * * * *', '@daily', '@HOURLY', ' 30 2 1 * * ']) expect(refusal(ok, 'Europe/London'), ok).toBeUndefined();
  });

  it('refuses, saying what is wrong, a bad field, a seconds field, a schedule that never fires, and an unknown time zone', () => {
    expect(refusal('61 * * * *', 'UTC')).toMatch(/minute/);
    expect(refusal('* * * * * *', 'UTC')).toMatch(/five cron fields .* not 6/);
    expect(refusal('every day', 'UTC')).toMatch(/not 2/);
    expect(refusal('@reboot', 'UTC')).toMatch(/five cron fields/);
    expect(refusal('0 0 30 2 *', 'UTC')).toMatch(/never fires/);
    expect(refusal('0 6 * * *', 'Mars/Olympus_Mons')).toMatch(/"Mars\/Olympus_Mons" is not an IANA time zone/);
    expect(refusal('0 6 * * *', 'UTC; drop table')).toMatch(/not an IANA time zone/);
  });

  it('reads the schedule in its time zone, across a daylight-saving change', () => {
    // 06:00 in London is 06:00 UTC in winter and 05:00 UTC in summer.
    expect(nextDueAfter('0 6 * * *', 'Europe/London', new Date('2026-03-28T12:00:00Z'))).toEqual(new Date('2026-03-29T05:00:00Z'));
    expect(nextDueAfter('0 6 * * *', 'Europe/London', new Date('2026-01-10T12:00:00Z'))).toEqual(new Date('2026-01-11T06:00:00Z'));
    expect(nextDueAfter('0 9 * * 1-5', 'UTC', new Date('2026-11-27T09:00:00Z'))).toEqual(new Date('2026-11-30T09:00:00Z'));
  });
});
