import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, RemitError, Run, RunAccepted, RunCreate, RunListQuery, RunPage, RunStatus, looksLikeId, terminalRunStatuses } from '@remit/core';
import { startRun } from '@remit/agents';
import { appendRunEvent, listRuns, requestCancel, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { acceptedContent, bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';
import { toRun, visibleRun } from './run-visibility.ts';

/** Runs page newest first: a cursor holds the last run's created_at (to the microsecond) and id. */
const runCursor = listCursor('runs', z.tuple([z.iso.datetime(), z.uuid()]));

/** Where a run lives; a 202 points there, so a client follows the run without building URLs. */
const runLocation = (id: string) => `/v1/runs/${id}`;

export function mountRuns(app: OpenAPIHono<AppEnv>, deps: AppDeps & { onRunQueued?: () => void }): void {
  const common = { tags: ['runs'], security: bearerSecurity };
  const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/runs',
      operationId: 'createRun',
      summary: 'Start a run as one of your roles',
      request: { body: jsonBody(RunCreate) },
      responses: { 202: acceptedContent(RunAccepted, 'Queued'), ...errorResponses(400, 401, 402, 403, 413, 415, 422, 429) },
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
      return c.json({ id: run.id, status: 'queued' as const }, 202, { Location: runLocation(run.id) });
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/runs',
      operationId: 'listRuns',
      summary: 'Your runs (all runs for an admin), newest first, filtered and paged',
      request: { query: RunListQuery },
      responses: { 200: jsonContent(RunPage, 'A page of runs'), ...errorResponses(400, 401, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const actor = c.var.actor;
      const onlyMine = !actor.isAdmin || q.mine === 'true';
      const after = runCursor.decode(q.cursor);
      const rows = await tx(c, (sql) =>
        listRuns(sql, {
          limit: q.limit + 1,
          ...(onlyMine ? { visibleTo: actor.userId } : {}),
          ...(q.status ? { statuses: q.status } : {}),
          ...(q.kind ? { kinds: q.kind } : {}),
          ...(q.role ? { role: q.role } : {}),
          ...(q.user ? { user: looksLikeId(q.user) ? { id: q.user } : { email: q.user } } : {}),
          ...(q.since ? { since: new Date(q.since) } : {}),
          ...(q.before ? { before: new Date(q.before) } : {}),
          ...(after ? { after: { position: after[0], id: after[1] } } : {}),
        }),
      );
      const { items, nextCursor } = runCursor.page(rows, q.limit, (r) => [r.position, r.id]);
      return c.json({ items: items.map(toRun), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/runs/{id}',
      operationId: 'getRun',
      summary: 'One run: status, answer, limits, usage',
      request: { params: IdParam },
      responses: { 200: jsonContent(Run, 'The run'), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => c.json(toRun(await tx(c, (sql) => visibleRun(sql, c.var.actor, c.req.valid('param').id))), 200),
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/runs/{id}/cancel',
      operationId: 'cancelRun',
      summary: 'Cancel a run; its sandbox is destroyed',
      request: { params: IdParam },
      responses: {
        202: acceptedContent(z.object({ id: Id, status: RunStatus }).meta({ id: 'RunCancelAccepted' }), 'Cancelled, or cancelling'),
        ...errorResponses(400, 401, 404, 409, 429),
      },
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
      return c.json({ id, status: result.status }, 202, { Location: runLocation(id) });
    },
  );
}
