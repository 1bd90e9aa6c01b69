import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, InsightJob, InsightJobCreate, InsightJobPage, InsightJobUpdate, RunAccepted, Slug, pageQuery, refFromSegment } from '@remit/core';
import { createInsightJobChecked, runInsightJobNow, updateInsightJobChecked } from '@remit/agents';
import { deleteInsightJob, getInsightJob, insightJobView, listInsightJobs, type InsightJobRecord, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { acceptedContent, bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

const PATH = '/v1/admin/insight-jobs';
/** Jobs page by name, unique in an org. */
const jobCursor = listCursor('insight-jobs', z.tuple([z.string()]));
const Ref = z.object({ ref: z.union([Id, Slug]).meta({ param: { name: 'ref', in: 'path' }, description: 'Id, or name' }) });

/** What the hashed audit entry keeps of a job: all of it is configuration, nothing personal. */
const auditDetail = (j: InsightJobRecord) => ({ name: j.name, role: j.role, schedule: j.schedule, timezone: j.timezone, focus: j.focus, enabled: j.enabled });

/**
 * Insight jobs, for admins: which role a job's runs act as, its cron schedule and time zone
 * (checked here: `invalid_schedule`), its focus. Every write is audited in its transaction;
 * run-now queues the job's run at once, as the scheduler would.
 */
export function mountInsightJobs(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['admin: insight jobs'], security: bearerSecurity };
  const now = () => deps.now?.() ?? new Date();
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);
  const write = (c: Context<AppEnv>, action: string, fn: (sql: Sql) => Promise<InsightJobRecord>) =>
    tx(c, async (sql) => {
      const job = await fn(sql);
      await auditRequest(sql, c, {
        action: `insight_job.${action}`,
        targetType: 'insight_job',
        targetId: job.id,
        outcome: 'success',
        detail: auditDetail(job),
      });
      return insightJobView(job);
    });

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: PATH,
      operationId: 'listInsightJobs',
      summary: 'List insight jobs by name, paged',
      request: { query: z.object(pageQuery({ default: 100, max: 500 })).strict() },
      responses: { 200: jsonContent(InsightJobPage, 'A page of insight jobs'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = jobCursor.decode(q.cursor);
      const rows = await tx(c, (sql) => listInsightJobs(sql, { ...(after ? { afterName: after[0] } : {}), limit: q.limit + 1 }));
      const { items, nextCursor } = jobCursor.page(rows, q.limit, (j) => [j.name]);
      return c.json({ items: items.map(insightJobView), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: `${PATH}/{ref}`,
      operationId: 'getInsightJob',
      summary: 'Get an insight job',
      request: { params: Ref },
      responses: { 200: jsonContent(InsightJob, 'The insight job'), ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => c.json(insightJobView(await tx(c, (sql) => getInsightJob(sql, refFromSegment(c.req.valid('param').ref)))), 200),
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: PATH,
      operationId: 'createInsightJob',
      summary: 'Create an insight job: the role it runs as, its cron schedule and time zone, its focus',
      request: { body: jsonBody(InsightJobCreate) },
      responses: { 201: jsonContent(InsightJob, 'The new insight job, with its next due time'), ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await write(c, 'create', (sql) => createInsightJobChecked(sql, body, now())), 201);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'patch',
      path: `${PATH}/{ref}`,
      operationId: 'updateInsightJob',
      summary: 'Update an insight job; its next due time changes only with its schedule, time zone or enabled flag',
      request: { params: Ref, body: jsonBody(InsightJobUpdate) },
      responses: { 200: jsonContent(InsightJob, 'The updated insight job'), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 429) },
    }),
    async (c) => {
      const patch = c.req.valid('json');
      const ref = refFromSegment(c.req.valid('param').ref);
      return c.json(await write(c, 'update', (sql) => updateInsightJobChecked(sql, ref, patch, now())), 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: `${PATH}/{ref}`,
      operationId: 'deleteInsightJob',
      summary: 'Delete an insight job (its findings stay in the queue)',
      request: { params: Ref },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      await write(c, 'delete', (sql) => deleteInsightJob(sql, refFromSegment(c.req.valid('param').ref)));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: `${PATH}/{ref}/run`,
      operationId: 'runInsightJobNow',
      summary: 'Queue the job’s run now, as its schedule would: the job’s role, a schedule trigger',
      request: { params: Ref },
      responses: { 202: acceptedContent(RunAccepted, 'Queued'), ...errorResponses(400, 401, 402, 403, 404, 409, 429) },
    }),
    async (c) => {
      const ref = refFromSegment(c.req.valid('param').ref);
      const run = await tx(c, async (sql) => {
        const run = await runInsightJobNow(sql, { rateLimits: deps.rateLimits, now }, ref, c.var.actor.userId);
        await auditRequest(sql, c, {
          action: 'insight_job.run_now',
          targetType: 'insight_job',
          targetId: String(run.trigger.scheduleId),
          outcome: 'success',
          detail: { runId: run.id, role: run.role },
        });
        return run;
      });
      deps.onRunQueued?.();
      return c.json({ id: run.id, status: 'queued' as const }, 202, { Location: `/v1/runs/${run.id}` });
    },
  );
}
