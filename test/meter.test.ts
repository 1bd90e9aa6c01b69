import { errorOf } from '@remit/api/testing';
import { defaultRateLimits } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

// The scripted model (a fake) priced like a real one, so the meter has something to count.
const prices = { 'scripted:': { inputPerMTok: 3, outputPerMTok: 15 } };
const twoTurns = [{ toolCalls: [{ name: 'exec', input: { command: ['true'] } }] }, { text: 'done' }];

describe('metering model calls', () => {
  it('records every call with tokens and cost, reports usage by role, user and model, and ends a run its budget cannot pay for', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const admin = await s.adminToken();
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const first = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(first, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });

        const usage = async (group: string) =>
          (await (await s.request(`/v1/usage?groupBy=${group}`, { token: admin })).json()) as { items: Record<string, unknown>[] };
        const byModel = await usage('model');
        expect(byModel.items).toHaveLength(1);
        expect(byModel.items[0]).toMatchObject({ key: 'scripted:e2e', calls: 2 });
        expect(byModel.items[0]!.costUsd as number).toBeGreaterThan(0);
        expect((await usage('role')).items[0]).toMatchObject({ label: 'developer', calls: 2 });
        expect((await usage('user')).items[0]).toMatchObject({ label: 'dev@example.com', calls: 2 });
        expect(await errorOf(await s.request('/v1/usage?groupBy=team', { token: admin }))).toMatchObject({ status: 400, code: 'validation_failed' });
        // The run shows what its calls used, as usage does.
        const run = (await (await s.request(`/v1/runs/${first}`, { token: dev })).json()) as { model: string; usage: { calls: number; costUsd: number } };
        expect(run).toMatchObject({ model: 'scripted:e2e', usage: { calls: 2, costUsd: byModel.items[0]!.costUsd } });
        expect(await errorOf(await s.request('/v1/usage', { token: dev }))).toMatchObject({ status: 403, code: 'forbidden' });

        // A role budget with room for no further call (each call reserves its worst case: 4096 output tokens ≈ $0.06).
        const put = await s.request('/v1/admin/budgets', { method: 'PUT', token: admin, json: { scope: 'role', role: 'developer', monthlyCapUsd: 0.05 } });
        expect(put.status).toBe(200);
        const second = await s.startRun(dev, { kind: 'troubleshoot', input: 'y' });
        expect(await s.waitForStatus(second, ['succeeded', 'failed'])).toMatchObject({ status: 'failed', statusReason: 'budget_exhausted' });
        const budgets = (await (await s.request('/v1/admin/budgets', { token: admin })).json()) as {
          items: { role: string | null; reservedUsd: number; spentUsd: number }[];
        };
        expect(budgets.items).toEqual([expect.objectContaining({ scope: 'role', role: 'developer', monthlyCapUsd: 0.05, reservedUsd: 0 })]);
        expect(budgets.items[0]!.spentUsd).toBeLessThanOrEqual(0.05);
        expect(
          await errorOf(await s.request('/v1/admin/budgets', { method: 'PUT', token: admin, json: { scope: 'role', role: 'nope', monthlyCapUsd: 1 } })),
        ).toMatchObject({ status: 422 });
      },
      { script: twoTurns, prices },
    );
  });

  it('makes a run wait out the model-call burst limit instead of failing it', async () => {
    const limits = { ...defaultRateLimits, modelCalls: { ...defaultRateLimits.modelCalls, user: { capacity: 1, refillPerSecond: 1 } } };
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(runId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', steps: 2 });
        const turns = await s.db.owner((sql) => sql.query<{ at: Date }>(`select at from run_events where type = 'model_turn' order by seq`));
        const gap = new Date(turns.rows[1]!.at).getTime() - new Date(turns.rows[0]!.at).getTime();
        expect(gap).toBeGreaterThanOrEqual(900); // the second call waited for a token to refill
      },
      { script: twoTurns, prices, rateLimits: limits },
    );
  });
});
