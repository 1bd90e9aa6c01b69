import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { RemitError, Slug } from '@remit/core';
import { deleteBudget, findRole, listBudgets, setBudget, usageBy, type BudgetScope, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

const UsageRow = z
  .object({
    key: z.string(),
    label: z.string().nullable(),
    calls: z.int(),
    inputTokens: z.int(),
    outputTokens: z.int(),
    cacheReadTokens: z.int(),
    cacheWriteTokens: z.int(),
    costUsd: z.number(),
  })
  .meta({ id: 'UsageRow' });

const Budget = z
  .object({ scope: z.enum(['org', 'role']), role: Slug.nullable(), monthlyCapUsd: z.number(), spentUsd: z.number(), reservedUsd: z.number() })
  .meta({ id: 'Budget' });

const BudgetPut = z
  .object({ scope: z.enum(['org', 'role']), role: Slug.optional(), monthlyCapUsd: z.number().min(0).max(10_000_000) })
  .strict()
  .meta({ id: 'BudgetPut' });

function startOfMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** Admin reads of metered usage and monthly budgets per org and role. */
export function mountUsageAndBudgets(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);
  const now = () => deps.now?.() ?? new Date();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/usage',
      tags: ['usage'],
      security: bearerSecurity,
      summary: 'Metered model usage, grouped by role, user or model (default: this month)',
      request: {
        query: z
          .object({ group_by: z.enum(['role', 'user', 'model']).default('model'), from: z.iso.datetime().optional(), to: z.iso.datetime().optional() })
          .strict(),
      },
      responses: {
        200: jsonContent(z.object({ from: z.string(), to: z.string(), groupBy: z.string(), items: z.array(UsageRow) }), 'Usage'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const from = q.from ? new Date(q.from) : startOfMonth(now());
      const to = q.to ? new Date(q.to) : new Date(now().getTime() + 1000);
      if (from >= to) throw new RemitError('validation_failed', 'from: must be before to.');
      const items = await tx(c, (sql) => usageBy(sql, q.group_by, { from, to }));
      return c.json({ from: from.toISOString(), to: to.toISOString(), groupBy: q.group_by, items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/budgets',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: "Monthly budgets and this month's spend",
      responses: { 200: jsonContent(z.object({ items: z.array(Budget) }), 'Budgets'), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const items = await tx(c, async (sql) => {
        const rows = await listBudgets(sql, now());
        return Promise.all(
          rows
            .filter((r) => r.scope !== 'user')
            .map(async (r) => ({
              scope: r.scope as 'org' | 'role',
              role: r.scope === 'role' ? ((await findRole(sql, { id: r.scopeKey }))?.name ?? null) : null,
              monthlyCapUsd: r.monthlyCapUsd,
              spentUsd: r.spentUsd,
              reservedUsd: r.reservedUsd,
            })),
        );
      });
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/admin/budgets',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: 'Set the monthly budget of the org or of one role',
      request: { body: jsonBody(BudgetPut) },
      responses: { 200: jsonContent(z.object({ ok: z.literal(true) }), 'Saved'), ...errorResponses(400, 401, 403, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      await tx(c, async (sql) => {
        const { scope, key } = await budgetKey(sql, body);
        await setBudget(sql, scope, key, body.monthlyCapUsd);
        await auditRequest(sql, c, {
          action: 'budget.set',
          targetType: 'budget',
          targetId: `${scope}:${body.role ?? 'org'}`,
          outcome: 'success',
          detail: { monthlyCapUsd: body.monthlyCapUsd },
        });
      });
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/admin/budgets',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: 'Remove a budget (no cap)',
      request: { query: z.object({ scope: z.enum(['org', 'role']), role: Slug.optional() }).strict() },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 422) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      await tx(c, async (sql) => {
        const { scope, key } = await budgetKey(sql, q);
        await deleteBudget(sql, scope, key);
        await auditRequest(sql, c, { action: 'budget.delete', targetType: 'budget', targetId: `${scope}:${q.role ?? 'org'}`, outcome: 'success', detail: {} });
      });
      return c.body(null, 204);
    },
  );
}

async function budgetKey(sql: Sql, b: { scope: 'org' | 'role'; role?: string | undefined }): Promise<{ scope: BudgetScope; key: string }> {
  if (b.scope === 'org') {
    if (b.role) throw new RemitError('validation_failed', 'role: only for scope "role".');
    return { scope: 'org', key: 'org' };
  }
  if (!b.role) throw new RemitError('validation_failed', 'role: required for scope "role".');
  const role = await findRole(sql, { name: b.role });
  if (!role) throw new RemitError('unknown_reference', `No role named ${JSON.stringify(b.role)}.`);
  return { scope: 'role', key: role.id };
}
