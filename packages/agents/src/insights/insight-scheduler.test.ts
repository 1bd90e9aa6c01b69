import { InsightJobCreate, RoleCreate, defaultRateLimits } from '@remit/core';
import { createRole, getInsightJob, setBudget, type Database } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createInsightJobChecked, updateInsightJobChecked } from './insight-jobs.ts';
import { fireDueInsightJobs } from './insight-scheduler.ts';

const logger = pino({ level: 'silent' });

/** A fake clock the test moves by hand. */
function fakeClock(start: string) {
  let now = new Date(start);
  return { now: () => now, set: (iso: string) => void (now = new Date(iso)) };
}

async function seedJob(db: Database, orgId: string, created: Date, job: Partial<InsightJobCreate> = {}) {
  return db.tenant({ orgId, userId: null }, async (sql) => {
    const role = await createRole(sql, RoleCreate.parse({ name: 'platform-engineer', runKinds: ['insight'] }));
    const saved = await createInsightJobChecked(
      sql,
      InsightJobCreate.parse({ name: 'nightly-reliability', role: 'platform-engineer', schedule: '0 2 * * *', focus: 'reliability', ...job }),
      created,
    );
    return { jobId: saved.id, roleId: role.id };
  });
}

async function firings(db: Database) {
  const res = await db.owner((sql) =>
    sql.query<{ due_at: Date; outcome: string; reason: string | null; run_id: string | null }>(
      'select due_at, outcome, reason, run_id from insight_job_firings order by due_at',
    ),
  );
  return res.rows.map((r) => ({ dueAt: r.due_at.toISOString(), outcome: r.outcome, reason: r.reason, run: r.run_id !== null }));
}

async function insightRuns(db: Database) {
  const res = await db.owner((sql) =>
    sql.query<{ trigger: Record<string, unknown>; input: string; user_id: string | null }>("select trigger, input, user_id from runs where kind = 'insight'"),
  );
  return res.rows;
}

describe('the insight scheduler (fake clock)', () => {
  it('queues nothing before the due time, one run at it, and records the next due time', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const clock = fakeClock('2026-11-30T01:00:00Z');
      const { jobId } = await seedJob(db, orgA, clock.now());
      const job = () => db.tenant({ orgId: orgA, userId: null }, (sql) => getInsightJob(sql, { id: jobId }));
      expect((await job()).nextDueAt).toEqual(new Date('2026-11-30T02:00:00Z'));
      const deps = { db, orgId: orgA, logger, rateLimits: defaultRateLimits, now: clock.now };

      clock.set('2026-11-30T01:59:59Z');
      expect(await fireDueInsightJobs(deps)).toEqual({ queued: 0, refused: 0 });
      clock.set('2026-11-30T02:00:03Z');
      expect(await fireDueInsightJobs(deps)).toEqual({ queued: 1, refused: 0 });
      expect(await fireDueInsightJobs(deps)).toEqual({ queued: 0, refused: 0 });
      expect(await job()).toMatchObject({ lastDueAt: new Date('2026-11-30T02:00:00Z'), nextDueAt: new Date('2026-12-01T02:00:00Z') });

      const [run] = await insightRuns(db);
      expect(run).toMatchObject({ trigger: { type: 'schedule', scheduleId: jobId }, user_id: null });
      expect(run!.input).toContain('focus: reliability');

      // Down for three days: one run for the latest missed time, then on schedule again.
      clock.set('2026-12-04T07:30:00Z');
      expect(await fireDueInsightJobs(deps)).toEqual({ queued: 1, refused: 0 });
      expect((await job()).nextDueAt).toEqual(new Date('2026-12-05T02:00:00Z'));
      expect(await firings(db)).toEqual([
        { dueAt: '2026-11-30T02:00:00.000Z', outcome: 'queued', reason: null, run: true },
        { dueAt: '2026-12-01T02:00:00.000Z', outcome: 'queued', reason: null, run: true },
      ]);
    });
  });

  it('starts exactly one run per due time when several schedulers pass at once', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const clock = fakeClock('2026-11-30T01:00:00Z');
      await seedJob(db, orgA, clock.now(), { schedule: '*/5 * * * *' });
      clock.set('2026-11-30T01:05:00Z');
      const deps = { db, orgId: orgA, logger, now: clock.now };
      const passes = await Promise.all([fireDueInsightJobs(deps), fireDueInsightJobs(deps), fireDueInsightJobs(deps), fireDueInsightJobs(deps)]);
      expect(passes.reduce((n, p) => n + p.queued, 0)).toBe(1);
      expect(await insightRuns(db)).toHaveLength(1);
    });
  });

  it('starts nothing for a due time that already fired, even when a scheduler saw the job as due again', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const clock = fakeClock('2026-11-30T01:00:00Z');
      const { jobId } = await seedJob(db, orgA, clock.now());
      clock.set('2026-11-30T02:00:00Z');
      const deps = { db, orgId: orgA, logger, now: clock.now };
      await fireDueInsightJobs(deps);
      // A scheduler that read the job before the first committed, as a crash between the two writes would leave it.
      await db.owner((sql) => sql.query(`update insight_jobs set next_due_at = '2026-11-30T02:00:00Z' where id = $1`, [jobId]));
      expect(await fireDueInsightJobs(deps)).toEqual({ queued: 0, refused: 0 });
      expect(await insightRuns(db)).toHaveLength(1);
    });
  });

  it('records and audits a refused run (a spent budget) and moves the schedule on', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const clock = fakeClock('2026-11-30T01:00:00Z');
      const { jobId, roleId } = await seedJob(db, orgA, clock.now());
      await db.tenant({ orgId: orgA, userId: null }, (sql) => setBudget(sql, 'role', roleId, 0));
      clock.set('2026-11-30T02:00:00Z');
      expect(await fireDueInsightJobs({ db, orgId: orgA, logger, now: clock.now })).toEqual({ queued: 0, refused: 1 });
      expect(await firings(db)).toEqual([{ dueAt: '2026-11-30T02:00:00.000Z', outcome: 'refused', reason: 'budget_exhausted', run: false }]);
      expect(await insightRuns(db)).toHaveLength(0);
      const audit = await db.owner((sql) =>
        sql.query<{ action: string; outcome: string; target_id: string }>("select action, outcome, target_id from audit_events where action like 'insight%'"),
      );
      expect(audit.rows).toEqual([{ action: 'insight_job.refused', outcome: 'denied', target_id: jobId }]);
      expect((await db.tenant({ orgId: orgA, userId: null }, (sql) => getInsightJob(sql, { id: jobId }))).nextDueAt).toEqual(new Date('2026-12-01T02:00:00Z'));
    });
  });

  it('a disabled job never fires; re-enabling it schedules it from then, and editing its guidance keeps its due time', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const clock = fakeClock('2026-11-30T01:00:00Z');
      const { jobId } = await seedJob(db, orgA, clock.now(), { enabled: false });
      const update = (patch: Parameters<typeof updateInsightJobChecked>[2]) =>
        db.tenant({ orgId: orgA, userId: null }, (sql) => updateInsightJobChecked(sql, { id: jobId }, patch, clock.now()));
      clock.set('2026-12-02T03:00:00Z');
      expect(await fireDueInsightJobs({ db, orgId: orgA, logger, now: clock.now })).toEqual({ queued: 0, refused: 0 });
      expect((await update({ enabled: true })).nextDueAt).toEqual(new Date('2026-12-03T02:00:00Z'));
      clock.set('2026-12-02T04:00:00Z');
      expect((await update({ guidance: 'Only checkout.' })).nextDueAt).toEqual(new Date('2026-12-03T02:00:00Z'));
      expect((await update({ enabled: false })).nextDueAt).toBeNull();
    });
  });
});
