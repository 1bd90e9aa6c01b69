import { describe, expect, it } from 'vitest';
import { listBudgets, releaseStaleReservations, reserveModelCall, setBudget, settleModelCall } from './meter.ts';
import { testDrivers, withTestDb } from './testing.ts';

const at = new Date('2026-11-15T12:00:00Z');

describe.each(testDrivers)('the meter on %s', (driver) => {
  it('admits exactly what fits: 200 concurrent $0.10 calls against a $5 cap admit 50, and overshoot is zero', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        await db.tenant(ctx, (sql) => setBudget(sql, 'org', 'org', 5));
        const attempts = await Promise.allSettled(
          Array.from({ length: 200 }, () =>
            db.tenant(ctx, (sql) => reserveModelCall(sql, { runId: null, roleId: null, userId: null, model: 'm', estimateUsd: 0.1, at })),
          ),
        );
        const admitted = attempts.filter((a) => a.status === 'fulfilled').length;
        const refused = attempts.filter((a) => a.status === 'rejected');
        expect(admitted).toBe(50);
        for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'RemitError', code: 'budget_exhausted' });
        const [budget] = await db.tenant(ctx, (sql) => listBudgets(sql, at));
        expect(budget).toMatchObject({ monthlyCapUsd: 5, reservedUsd: 5, spentUsd: 0 });
      },
      { driver, poolSize: 10 },
    );
  });

  it('settles with the real cost, checks every capped scope, and a refusal reserves nothing anywhere', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        const roleId = '00000000-0000-4000-8000-0000000000a1';
        await db.tenant(ctx, async (sql) => {
          await setBudget(sql, 'org', 'org', 10);
          await setBudget(sql, 'role', roleId, 1);
        });
        const reserve = (estimateUsd: number) =>
          db.tenant(ctx, (sql) => reserveModelCall(sql, { runId: null, roleId, userId: null, model: 'm', estimateUsd, at }));
        const { callId } = await reserve(0.8);
        await db.tenant(ctx, (sql) =>
          settleModelCall(sql, callId, { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.3, latencyMs: 120 }),
        );
        // Settling twice changes nothing.
        expect(
          await db.tenant(ctx, (sql) =>
            settleModelCall(sql, callId, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 9, latencyMs: 0 }),
          ),
        ).toBe(false);
        await expect(reserve(0.8)).rejects.toMatchObject({ code: 'budget_exhausted', details: { scope: 'role' } });
        const budgets = await db.tenant(ctx, (sql) => listBudgets(sql, at));
        expect(budgets).toEqual([
          { scope: 'org', scopeKey: 'org', monthlyCapUsd: 10, spentUsd: 0.3, reservedUsd: 0 },
          { scope: 'role', scopeKey: roleId, monthlyCapUsd: 1, spentUsd: 0.3, reservedUsd: 0 },
        ]);
      },
      { driver },
    );
  });

  it('a sweep releases reservations a crashed caller never settled', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        await db.tenant(ctx, (sql) => setBudget(sql, 'org', 'org', 1));
        await db.tenant(ctx, (sql) =>
          reserveModelCall(sql, { runId: null, roleId: null, userId: null, model: 'm', estimateUsd: 1, at: new Date(Date.now() - 3_600_000) }),
        );
        expect(await db.tenant(ctx, (sql) => releaseStaleReservations(sql, 600))).toBe(1);
        const [budget] = await db.tenant(ctx, (sql) => listBudgets(sql, new Date(Date.now() - 3_600_000)));
        expect(budget!.reservedUsd).toBe(0);
      },
      { driver },
    );
  });
});
