import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listAudit, verifyAuditChain } from '@remit/audit';
import { AuditEntry, AuditVerifyResult } from '@remit/core';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

const AuditQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional().meta({ description: 'Return entries after this sequence number' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function mountAudit(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['audit'], security: bearerSecurity };
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/audit',
      summary: 'Audit log, oldest first, paged by sequence number',
      request: { query: AuditQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(AuditEntry), next: z.int().nullable() }), 'A page of entries'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { after, limit } = c.req.valid('query');
      const items = await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, (sql) => listAudit(sql, { afterSeq: after ?? 0, limit }));
      return c.json({ items, next: items.length === limit ? items[items.length - 1]!.seq : null }, 200);
    },
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/audit/verify',
      summary: 'Recompute the hash chain; reports the first entry that does not verify',
      responses: { 200: jsonContent(AuditVerifyResult, 'Verification result'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await verifyAuditChain(deps.db, deps.orgId), 200),
  );
}
