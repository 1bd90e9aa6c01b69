import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listAudit } from '@remit/audit';
import { AuditEntry, AuditExportQuery, RemitError } from '@remit/core';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses } from '../http/openapi-helpers.ts';

/** Entries per read: each page is one short transaction, and at most this many are held in memory. */
const EXPORT_PAGE = 500;

/**
 * GET /v1/audit/export: the audit log as NDJSON for a SIEM, oldest first, one AuditEntry per
 * line (the list's fields, hash included, so the chain's order and hashes can be compared with a
 * signed checkpoint). Personal details (emails, names, addresses kept beside entries) are left
 * out: they are outside the hashed bytes so that a deletion request can erase them, and a copy
 * in a SIEM is beyond that reach.
 *
 * The body is pulled: the next page is read only when the client has taken the last, so a slow
 * reader holds one page, not the log. A read that fails mid-stream aborts the response; a
 * complete export ends with a newline after its last entry.
 */
export function mountAuditExport(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      tags: ['audit'],
      security: bearerSecurity,
      method: 'get',
      path: '/v1/audit/export',
      operationId: 'exportAudit',
      summary: 'The audit log as NDJSON (one AuditEntry per line, oldest first), for a SIEM; personal details excluded',
      request: { query: AuditExportQuery },
      responses: {
        200: { description: 'application/x-ndjson: one AuditEntry per line', content: { 'application/x-ndjson': { schema: AuditEntry } } },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    (c) => {
      const q = c.req.valid('query');
      if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) >= Date.parse(q.to)) {
        throw new RemitError('validation_failed', 'to: must be later than from.');
      }
      const window = { ...(q.from ? { since: new Date(q.from) } : {}), ...(q.to ? { until: new Date(q.to) } : {}) };
      const ctx = { orgId: deps.orgId, userId: c.var.actor.userId };
      let afterSeq = 0;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const rows = await deps.db.tenant(ctx, (sql) => listAudit(sql, { ...window, order: 'asc', limit: EXPORT_PAGE, afterSeq }));
          if (rows.length) controller.enqueue(encoder.encode(rows.map((e) => `${JSON.stringify(e)}\n`).join('')));
          if (rows.length < EXPORT_PAGE) controller.close();
          else afterSeq = rows[rows.length - 1]!.seq;
        },
      });
      return c.body(body, 200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' }) as never;
    },
  );
}
