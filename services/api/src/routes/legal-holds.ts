import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, LegalHold, LegalHoldCreate, LegalHoldListQuery, LegalHoldPage } from '@remit/core';
import { createLegalHold, listLegalHolds, releaseLegalHold, type LegalHoldRecord, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

/** Holds page newest first, by set time to the microsecond, then id. */
const holdCursor = listCursor('legal-holds', z.tuple([z.iso.datetime({ precision: 6 }), Id]));
const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });

function holdView(h: LegalHoldRecord): LegalHold {
  return {
    id: h.id,
    subject: h.userId ? { type: 'user', id: h.userId } : { type: 'run', id: h.runId! },
    reason: h.reason,
    setBy: h.setBy,
    setAt: h.setAt.toISOString(),
    releasedAt: h.releasedAt?.toISOString() ?? null,
    releasedBy: h.releasedBy,
  };
}

/**
 * Legal holds, for admins: a held user's or run's data is exempt from retention until the hold
 * is released. Placing and releasing are audited; the reason is kept beside the entry (it may
 * name people), not in its hashed detail.
 */
export function mountLegalHolds(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['admin: legal holds'], security: bearerSecurity };
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/legal-holds',
      operationId: 'listLegalHolds',
      summary: 'Legal holds, newest first: active ones, or all with released=include',
      request: { query: LegalHoldListQuery },
      responses: { 200: jsonContent(LegalHoldPage, 'A page of legal holds'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = holdCursor.decode(q.cursor);
      const rows = await tx(c, (sql) =>
        listLegalHolds(sql, {
          includeReleased: q.released === 'include',
          ...(after ? { after: { position: after[0], id: after[1] } } : {}),
          limit: q.limit + 1,
        }),
      );
      const { items, nextCursor } = holdCursor.page(rows, q.limit, (h) => [h.position, h.id]);
      return c.json({ items: items.map(holdView), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/admin/legal-holds',
      operationId: 'createLegalHold',
      summary: 'Place a legal hold on a user or a run: retention leaves its data alone until released',
      request: { body: jsonBody(LegalHoldCreate) },
      responses: { 201: jsonContent(LegalHold, 'The hold, active'), ...errorResponses(400, 401, 403, 413, 415, 422, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const hold = await tx(c, async (sql) => {
        const hold = await createLegalHold(sql, { subject: body.subject, reason: body.reason, setBy: c.var.actor.userId });
        await auditRequest(sql, c, {
          action: 'legal_hold.set',
          targetType: 'legal_hold',
          targetId: hold.id,
          outcome: 'success',
          detail: { subjectType: body.subject.type, subjectId: body.subject.id },
          personal: { reason: body.reason },
        });
        return hold;
      });
      return c.json(holdView(hold), 201);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/admin/legal-holds/{id}',
      operationId: 'releaseLegalHold',
      summary: 'Release a legal hold: its subject’s data falls under retention again (the hold stays on record)',
      request: { params: IdParam },
      responses: { 200: jsonContent(LegalHold, 'The hold, released'), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const hold = await tx(c, async (sql) => {
        const hold = await releaseLegalHold(sql, id, c.var.actor.userId);
        const subject = holdView(hold).subject;
        await auditRequest(sql, c, {
          action: 'legal_hold.release',
          targetType: 'legal_hold',
          targetId: hold.id,
          outcome: 'success',
          detail: { subjectType: subject.type, subjectId: subject.id },
        });
        return hold;
      });
      return c.json(holdView(hold), 200);
    },
  );
}
