import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listAudit, verifyAuditChain } from '@remit/audit';
import { AuditEntry, AuditVerifyResult, RemitError, page, pageQuery } from '@remit/core';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

const AuditQuery = z
  .object({
    ...pageQuery({ default: 100, max: 1000 }),
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Deprecated: use `cursor`. Return entries after this sequence number', param: { deprecated: true } }),
  })
  .strict();

const AuditPage = page(AuditEntry, 'AuditPage', {
  next: z.int().nullable().meta({ description: 'Deprecated: use `nextCursor`. The last sequence number sent, when more follow', deprecated: true }),
});

/** The audit log pages by sequence number, oldest first. */
const auditCursor = listCursor('audit', z.tuple([z.int().min(0)]));

export function mountAudit(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['audit'], security: bearerSecurity };
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/audit',
      operationId: 'listAudit',
      summary: 'Audit log, oldest first, paged',
      request: { query: AuditQuery },
      responses: { 200: jsonContent(AuditPage, 'A page of entries'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.cursor !== undefined && q.after !== undefined) throw new RemitError('validation_failed', 'Send cursor or after, not both.');
      const afterSeq = auditCursor.decode(q.cursor)?.[0] ?? q.after ?? 0;
      const rows = await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, (sql) => listAudit(sql, { afterSeq, limit: q.limit + 1 }));
      const { items, nextCursor } = auditCursor.page(rows, q.limit, (e) => [e.seq]);
      return c.json({ items, nextCursor, next: nextCursor === null ? null : items[items.length - 1]!.seq }, 200);
    },
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/audit/verify',
      operationId: 'verifyAudit',
      summary: 'Recompute the hash chain; reports the first entry that does not verify',
      responses: { 200: jsonContent(AuditVerifyResult, 'Verification result'), ...errorResponses(401, 403, 429) },
    }),
    async (c) => c.json(await verifyAuditChain(deps.db, deps.orgId), 200),
  );
}
