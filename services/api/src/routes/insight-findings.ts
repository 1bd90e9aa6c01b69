import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { FindingDetail, FindingListQuery, FindingPage, FindingStatusChange, Id, RemitError, refFromSegment } from '@remit/core';
import { changeFindingStatus, findInsightJob, getFinding, listFindings, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

/** Findings page newest first, by created_at to the microsecond, then id. */
const findingCursor = listCursor('findings', z.tuple([z.iso.datetime({ precision: 6 }), Id]));
const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });

/**
 * The insights review queue (admins; mounted behind requireAdmin): findings filtered by status,
 * severity and job, one with its status history, and moving one along findingTransitions
 * (`invalid_transition`, 409, for any other move). Every move is audited; its note is kept
 * beside the entry, not in its hashed detail.
 */
export function mountInsightFindings(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['insights'], security: bearerSecurity };
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/insights/findings',
      operationId: 'listFindings',
      summary: 'Findings of insight runs, newest first, filtered by status, severity and job, paged',
      request: { query: FindingListQuery },
      responses: { 200: jsonContent(FindingPage, 'A page of findings'), ...errorResponses(400, 401, 403, 422, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = findingCursor.decode(q.cursor);
      const rows = await tx(c, async (sql) => {
        const job = q.job === undefined ? undefined : await findInsightJob(sql, refFromSegment(q.job));
        if (q.job !== undefined && !job) throw new RemitError('unknown_reference', `job: no insight job ${JSON.stringify(q.job)}.`);
        return listFindings(sql, {
          statuses: q.status,
          severities: q.severity,
          jobId: job?.id,
          ...(after ? { after: { position: after[0], id: after[1] } } : {}),
          limit: q.limit + 1,
        });
      });
      const { items, nextCursor } = findingCursor.page(rows, q.limit, (f) => [f.position, f.id]);
      return c.json({ items: items.map(({ position: _position, ...f }) => f), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/insights/findings/{id}',
      operationId: 'getFinding',
      summary: 'One finding, with its evidence and its status history',
      request: { params: IdParam },
      responses: { 200: jsonContent(FindingDetail, 'The finding'), ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => c.json(await tx(c, (sql) => getFinding(sql, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/insights/findings/{id}/status',
      operationId: 'changeFindingStatus',
      summary: 'Move a finding in the review queue: new → accepted | dismissed, accepted → done, dismissed → new',
      request: { params: IdParam, body: jsonBody(FindingStatusChange) },
      responses: { 200: jsonContent(FindingDetail, 'The finding, with its history'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const finding = await tx(c, async (sql) => {
        const from = await changeFindingStatus(sql, id, { to: body.status, by: c.var.actor.userId, note: body.note });
        await auditRequest(sql, c, {
          action: 'finding.status',
          targetType: 'finding',
          targetId: id,
          outcome: 'success',
          detail: { from, to: body.status },
          personal: body.note ? { note: body.note } : undefined,
        });
        return getFinding(sql, id);
      });
      return c.json(finding, 200);
    },
  );
}
