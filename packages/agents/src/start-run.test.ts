import { RoleCreate, defaultRateLimits, isRemitError, type RateLimits } from '@remit/core';
import fc from 'fast-check';
import { createRole, setBudget, updateRole, upsertUser, type Database } from '@remit/db';
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

  it('records the role’s name and the SHA-256 of its canonical definition as it was when the run started', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const { roleId } = await seed(db, orgA);
      const deps = { db, orgId: orgA, rateLimits: defaultRateLimits };
      const trigger: RunTrigger = { type: 'schedule', scheduleId: 's-1', role: 'developer' };
      // Known answer (docs/evidence.md): SHA-256 of the canonical definition
      // {"connections":[],"description":"","limits":{"maxDurationSeconds":900,"maxSteps":30},"name":"developer","runKinds":["troubleshoot"]}.
      const before = 'e7a6ef93aabaf922284f6d6f5fc48a1d7f7c2bd6e9ac3e3a9ba668059a9cfbb8';
      const first = await startRun(deps, { kind: 'troubleshoot', input: 'why?', trigger });
      await db.tenant({ orgId: orgA, userId: null }, (sql) => updateRole(sql, { id: roleId }, { limits: { maxDurationSeconds: 60, maxSteps: 5 } }));
      const second = await startRun(deps, { kind: 'troubleshoot', input: 'why?', trigger });
      const details = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
        sql.query<{ target_id: string; detail: Record<string, unknown> }>(
          "select target_id, detail from audit_events where action = 'run.create' order by seq",
        ),
      );
      expect(details.rows).toEqual([
        { target_id: first.id, detail: { kind: 'troubleshoot', role: 'developer', roleDefinitionSha256: before, trigger: 'schedule' } },
        { target_id: second.id, detail: expect.objectContaining({ role: 'developer', roleDefinitionSha256: expect.not.stringMatching(before) }) },
      ]);
    });
  });

  it('refuses, writing nothing, when the role is not held, does not allow the kind, the budget is spent, or the burst limit is hit', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const { userId, roleId } = await seed(db, orgA);
      const deps = { db, orgId: orgA, rateLimits: defaultRateLimits };
      const user = (roles: string[], role?: string): RunTrigger => ({ type: 'user', userId, roles, role });
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user(['developer'], 'platform') }))).toBe('role_not_held');
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user([]) }))).toBe('no_role');
      expect(await refusal(startRun(deps, { kind: 'troubleshoot', input: 'x', trigger: user(['developer', 'insights']) }))).toBe('role_required');
      expect(await refusal(startRun(deps, { kind: 'review', input: 'x', trigger: user(['developer']) }))).toBe('kind_not_allowed');
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

  it('refuses an index run’s malformed input before queueing it, naming the field, and writes nothing', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const { userId } = await seed(db, orgA);
      await db.tenant({ orgId: orgA, userId: null }, (sql) => createRole(sql, RoleCreate.parse({ name: 'indexer', runKinds: ['index'] })));
      const deps = { db, orgId: orgA, rateLimits: defaultRateLimits };
      const index = (input: string) => startRun(deps, { kind: 'index', input, trigger: { type: 'user', userId, roles: ['indexer'] } });
      const refusedWith = async (input: string) => {
        const err: unknown = await index(input).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!isRemitError(err)) throw new Error(`expected a refusal of ${input}`);
        return { code: err.code, message: err.message };
      };
      expect(await refusedWith('index acme/payments please')).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^input: not JSON/) });
      expect(await refusedWith('{"repository":"acme/payments","connection":5}')).toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(/^input\.connection: /),
      });
      expect(await refusedWith('{"connection":"github"}')).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^input\.repository: /) });
      expect(await refusedWith('{"repository":"acme/payments","connection":"github","ref":"main"}')).toMatchObject({ code: 'unknown_field' });
      expect(await counts(db, orgA)).toEqual({ runs: 0, events: 0, audit: 0 });
      await index('{"repository":"acme/payments","connection":"github"}');
      expect(await counts(db, orgA)).toEqual({ runs: 1, events: 1, audit: 1 });
    });
  });

  it('answers any index input an attacker sends with a queued run or a 400 code, never another error', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const { userId } = await seed(db, orgA);
      await db.tenant({ orgId: orgA, userId: null }, (sql) => createRole(sql, RoleCreate.parse({ name: 'indexer', runKinds: ['index'] })));
      const plenty = { capacity: 1_000_000, refillPerSecond: 1000 };
      const deps = { db, orgId: orgA, rateLimits: { ...defaultRateLimits, runs: { org: plenty, role: plenty, user: plenty } } };
      const field = fc.oneof(fc.string(), fc.constantFrom('acme/payments', 'a\nb', '../x', 'x'.repeat(400), '\u0000'), fc.integer(), fc.constant(null));
      const input = fc.oneof(
        fc.string(),
        fc.json(),
        fc.record({ repository: field, connection: field }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
        fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify({ repository: 'acme/payments', connection: 'github', ...o })),
      );
      await fc.assert(
        fc.asyncProperty(input, async (text) => {
          const outcome = await startRun(deps, { kind: 'index', input: text, trigger: { type: 'user', userId, roles: ['indexer'] } }).then(
            () => 'queued',
            (err: unknown) => (isRemitError(err) ? err.code : err),
          );
          expect(['queued', 'validation_failed', 'unknown_field']).toContain(outcome);
        }),
        { numRuns: 60 },
      );
    });
  });

  it('chooseRole names the roles to pick from', () => {
    expect(chooseRole(['a'], undefined)).toBe('a');
    expect(() => chooseRole(['a', 'b'], undefined)).toThrow(/a, b/);
  });
});
