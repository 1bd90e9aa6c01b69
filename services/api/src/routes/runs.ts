import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, RemitError, Run, RunAccepted, RunCreate, terminalRunStatuses } from '@remit/core';
import { startRun } from '@remit/agents';
import { appendRunEvent, listRuns, requestCancel, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';
import { toRun, visibleRun } from './run-visibility.ts';

export function mountRuns(app: OpenAPIHono<AppEnv>, deps: AppDeps & { onRunQueued?: () => void }): void {
  const common = { tags: ['runs'], security: bearerSecurity };
  const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/runs',
      summary: 'Start a run as one of your roles',
      request: { body: jsonBody(RunCreate) },
      responses: { 202: jsonContent(RunAccepted, 'Queued'), ...errorResponses(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const actor = c.var.actor;
      const run = await startRun(deps, {
        kind: body.kind,
        input: body.input,
        trigger: { type: 'user', userId: actor.userId, roles: actor.roles, role: body.role, requestId: c.var.requestId },
      });
      deps.onRunQueued?.();
      return c.json({ id: run.id, status: 'queued' as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/runs',
      summary: 'Your runs (all runs for an admin), newest first',
      request: {
        query: z
          .object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            before: z.iso.datetime().optional(),
            mine: z.enum(['true', 'false']).optional(),
          })
          .strict(),
      },
      responses: { 200: jsonContent(z.object({ items: z.array(Run) }), 'Runs'), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const actor = c.var.actor;
      const onlyMine = !actor.isAdmin || q.mine === 'true';
      const rows = await tx(c, (sql) =>
        listRuns(sql, { limit: q.limit, ...(onlyMine ? { userId: actor.userId } : {}), ...(q.before ? { before: new Date(q.before) } : {}) }),
      );
      return c.json({ items: rows.map(toRun) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/runs/{id}',
      summary: 'One run: status, answer, limits',
      request: { params: IdParam },
      responses: { 200: jsonContent(Run, 'The run'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(toRun(await tx(c, (sql) => visibleRun(sql, c.var.actor, c.req.valid('param').id))), 200),
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/runs/{id}/cancel',
      summary: 'Cancel a run; its sandbox is destroyed',
      request: { params: IdParam },
      responses: { 202: jsonContent(z.object({ id: Id, status: z.string() }), 'Cancelled, or cancelling'), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await tx(c, async (sql) => {
        const run = await visibleRun(sql, c.var.actor, id);
        const outcome = await requestCancel(sql, run.id);
        if (!outcome.cancelledNow && terminalRunStatuses.includes(outcome.status)) {
          throw new RemitError('run_finished', `The run already ended as ${outcome.status}.`);
        }
        if (outcome.cancelledNow) await appendRunEvent(sql, run.id, 'status', { status: 'cancelled', reason: 'cancelled_by_user' });
        await auditRequest(sql, c, { action: 'run.cancel', targetType: 'run', targetId: run.id, outcome: 'success', detail: { statusWas: run.status } });
        return outcome;
      });
      return c.json({ id, status: result.status }, 202);
    },
  );
}
