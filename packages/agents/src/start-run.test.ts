import { RoleCreate, defaultRateLimits, isRemitError, type RateLimits } from '@remit/core';
import { createRole, setBudget, upsertUser, type Database } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { chooseRole, startRun, type RunTrigger } from './start-run.ts';

async function seed(db: Database, orgId: string) {
  return db.tenant({ orgId, userId: null }, async (sql) => {
    const user = await upsertUser(sql, { sub: 'alice', email: 'alice@example.com' });
    const dev = await createRole(sql, RoleCreate.parse({ name: 'developer', runKinds: ['troubleshoot'] }));
    await createRole(sql, RoleCreate.parse({ name: 'insights', runKinds: ['insight'] }));
    return { userId: user.id, roleId: dev.id };
  });
}

const counts = (db: Database, orgId: string) =>
  db.tenant({ orgId, userId: null }, async (sql) => {
    const runs = await sql.query<{ n: number }>('select count(*)::int as n from runs');
    const events = await sql.query<{ n: number }>('select count(*)::int as n from run_events');
    const audit = await sql.query<{ n: number }>("select count(*)::int as n from audit_events where action = 'run.create'");
    return { runs: runs.rows[0]!.n, events: events.rows[0]!.n, audit: audit.rows[0]!.n };
  });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isRemitError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('startRun: every trigger through one function', () => {
  it.each<[string, (userId: string) => RunTrigger, string | null]>([
    ['a user', (userId) => ({ type: 'user', userId, roles: ['developer'], requestId: 'req-1' }), 'user'],
    [
      'a webhook delivery',
      (userId) => ({ type: 'webhook', source: 'github', deliveryId: 'd-1', userId, role: 'developer', subject: { repository: 'acme/shop', pullNumber: 7 } }),
      'webhook',
    ],
    ['a schedule', () => ({ type: 'schedule', scheduleId: 's-1', role: 'developer' }), 'schedule'],
  ])('queues a run for %s with its queued event and audit entry in one transaction', async (_name, trigger, type) => {
    await withTestDb(async ({ db, orgA }) => {
      const { userId } = await seed(db, orgA);
      const run = await startRun({ db, orgId: orgA, rateLimits: defaultRateLimits }, { kind: 'troubleshoot', input: 'why?', trigger: trigger(userId) });
      expect(run).toMatchObject({
        status: 'queued',
        kind: 'troubleshoot',
        role: 'developer',
        userId: type === 'schedule' ? null : userId,
        maxSteps: expect.any(Number),
      });
      expect(await counts(db, orgA)).toEqual({ runs: 1, events: 1, audit: 1 });
    });
  });

  it('refuses, writing nothing, when the role is not held, does not allow the kind, the kind has no module, the budget is spent, or the burst limit is hit', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const { userId, roleId } = await seed(db, orgA);
      const deps = { db, orgId: orgA, rateLimits: defaultRateLimits };
      const user = (roles: string[], role?: string): RunTrigger => ({ type: 'user', userId, roles, role });
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user(['developer'], 'platform') }))).toBe('role_not_held');
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user([]) }))).toBe('no_role');
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user(['developer', 'insights']) }))).toBe('role_required');
      expect(await refusal(startRun(deps, { kind: 'review', input: 'x', trigger: user(['developer']) }))).toBe('kind_not_allowed');
      expect(await refusal(startRun(deps, { kind: 'insight', input: 'x', trigger: user(['insights']) }))).toBe('kind_not_available');
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: { type: 'schedule', scheduleId: 's', role: 'gone' } }))).toBe(
        'role_not_held',
      );
      await db.tenant({ orgId: orgA, userId: null }, (sql) => setBudget(sql, 'role', roleId, 0));
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user(['developer']) }))).toBe('budget_exhausted');
      await db.tenant({ orgId: orgA, userId: null }, (sql) => setBudget(sql, 'role', roleId, 10));
      const oneRun: RateLimits = { ...defaultRateLimits, runs: { ...defaultRateLimits.runs, user: { capacity: 1, refillPerSecond: 0.001 } } };
      await startRun({ ...deps, rateLimits: oneRun }, { kind: 'troubleshoot', input: 'x', trigger: user(['developer']) });
      expect(await refusal(startRun({ ...deps, rateLimits: oneRun }, { kind: 'troubleshoot', input: 'x', trigger: user(['developer']) }))).toBe('rate_limited');
      expect(await counts(db, orgA)).toEqual({ runs: 1, events: 1, audit: 1 });
    });
  });

  it('chooseRole names the roles to pick from', () => {
    expect(chooseRole(['a'], undefined)).toBe('a');
    expect(() => chooseRole(['a', 'b'], undefined)).toThrow(/a, b/);
  });
});
