import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { RemitError, Slug, Timestamp, page, pageQuery } from '@remit/core';
import { deleteBudget, findRole, listBudgets, setBudget, usageBy, type BudgetScope, type Sql, type UsageGroup } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
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

const UsageGroupBy = z.enum(['role', 'user', 'model']);

const UsageQuery = z
  .object({
    groupBy: UsageGroupBy.optional().meta({ description: 'What a row sums: one role, user or model (default `model`)' }),
    group_by: UsageGroupBy.optional().meta({ description: 'Deprecated spelling of `groupBy`', param: { deprecated: true } }),
    from: z.iso.datetime().optional().meta({ description: 'Start of the window, inclusive (default: the start of this month, UTC)' }),
    to: z.iso.datetime().optional().meta({ description: 'End of the window, exclusive (default: now)' }),
    ...pageQuery({ default: 100, max: 500 }),
  })
  .strict();

const UsagePage = page(UsageRow, 'UsagePage', {
  from: Timestamp.meta({ description: 'Start of the window these rows sum, inclusive' }),
  to: Timestamp.meta({ description: 'End of the window, exclusive' }),
  groupBy: UsageGroupBy,
});

/**
 * Usage pages by cost (highest first), then key. Its cursor also pins the grouping and the
 * window, so the pages of one listing add up even though "now" moves on between them.
 */
const UsageCursorKey = z.tuple([UsageGroupBy, z.iso.datetime(), z.iso.datetime(), z.string().regex(/^\d{1,20}(\.\d{1,12})?$/), z.string()]);
const usageCursor = listCursor('usage', UsageCursorKey);

/** Budgets page by scope, then scope key (the role's id). */
const budgetCursor = listCursor('budgets', z.tuple([z.enum(['org', 'role']), z.string()]));

/** The query's grouping and window: its own, else its cursor's, else the defaults; a cursor of another query is refused. */
function usageWindow(
  q: z.infer<typeof UsageQuery>,
  continued: z.infer<typeof UsageCursorKey> | undefined,
  now: Date,
): { groupBy: UsageGroup; from: Date; to: Date } {
  if (q.groupBy && q.group_by && q.groupBy !== q.group_by) throw new RemitError('validation_failed', 'groupBy and group_by disagree; send groupBy only.');
  const asked = { groupBy: q.groupBy ?? q.group_by, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined };
  if (continued) {
    const [groupBy, from, to] = [continued[0], new Date(continued[1]), new Date(continued[2])];
    const differs = (asked.groupBy && asked.groupBy !== groupBy) || (asked.from && +asked.from !== +from) || (asked.to && +asked.to !== +to);
    if (differs) throw new RemitError('invalid_cursor', 'cursor: it continues a listing with another groupBy, from or to; start again without it.');
    return { groupBy, from, to };
  }
  const from = asked.from ?? startOfMonth(now);
  const to = asked.to ?? new Date(now.getTime() + 1000);
  if (from >= to) throw new RemitError('validation_failed', 'from: must be before to.');
  return { groupBy: asked.groupBy ?? 'model', from, to };
}

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
      operationId: 'getUsage',
      tags: ['usage'],
      security: bearerSecurity,
      summary: 'Metered model usage, grouped by role, user or model (default: this month), highest cost first',
      request: { query: UsageQuery },
      responses: { 200: jsonContent(UsagePage, 'A page of usage rows, and the window and grouping they sum'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const continued = usageCursor.decode(q.cursor);
      const { groupBy, from, to } = usageWindow(q, continued, now());
      const after = continued ? { position: continued[3], key: continued[4] } : undefined;
      const rows = await tx(c, (sql) => usageBy(sql, groupBy, { from, to }, { ...(after ? { after } : {}), limit: q.limit + 1 }));
      const { items, nextCursor } = usageCursor.page(rows, q.limit, (r) => [groupBy, from.toISOString(), to.toISOString(), r.position, r.key]);
      return c.json({ from: from.toISOString(), to: to.toISOString(), groupBy, items: items.map(({ position: _p, ...row }) => row), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/budgets',
      operationId: 'listBudgets',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: "Monthly budgets and this month's spend, paged",
      request: { query: z.object(pageQuery({ default: 100, max: 500 })).strict() },
      responses: { 200: jsonContent(page(Budget, 'BudgetPage'), 'A page of budgets'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = budgetCursor.decode(q.cursor);
      const rows = await tx(c, async (sql) => {
        const rows = await listBudgets(sql, now(), {
          scopes: ['org', 'role'],
          ...(after ? { after: { scope: after[0], scopeKey: after[1] } } : {}),
          limit: q.limit + 1,
        });
        const named = [];
        for (const r of rows) {
          const role = r.scope === 'role' ? ((await findRole(sql, { id: r.scopeKey }))?.name ?? null) : null;
          named.push({ ...r, role });
        }
        return named;
      });
      const { items, nextCursor } = budgetCursor.page(rows, q.limit, (r) => [r.scope as 'org' | 'role', r.scopeKey]);
      return c.json(
        {
          items: items.map((r) => ({
            scope: r.scope as 'org' | 'role',
            role: r.role,
            monthlyCapUsd: r.monthlyCapUsd,
            spentUsd: r.spentUsd,
            reservedUsd: r.reservedUsd,
          })),
          nextCursor,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/admin/budgets',
      operationId: 'setBudget',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: 'Set the monthly budget of the org or of one role',
      request: { body: jsonBody(BudgetPut) },
      responses: {
        200: jsonContent(z.object({ ok: z.literal(true) }).meta({ id: 'BudgetSaved' }), 'Saved'),
        ...errorResponses(400, 401, 403, 413, 415, 422, 429),
      },
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
      operationId: 'deleteBudget',
      tags: ['admin: budgets'],
      security: bearerSecurity,
      summary: 'Remove a budget (no cap)',
      request: { query: z.object({ scope: z.enum(['org', 'role']), role: Slug.optional() }).strict() },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 422, 429) },
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
