import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listAudit, verifyAuditChain, verifyAuditWithCheckpoint, type AuditListOptions } from '@remit/audit';
import { AuditListQuery, AuditPage, AuditVerifyResult, RemitError, looksLikeId } from '@remit/core';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

/**
 * A cursor holds the last seq sent, under a name per order (`audit` is the oldest-first name
 * cursors always had), so a cursor handed out for one order is invalid_cursor in the other
 * instead of silently skipping or repeating entries.
 */
const auditCursors = {
  asc: listCursor('audit', z.tuple([z.int().min(0)])),
  desc: listCursor('audit-newest-first', z.tuple([z.int().min(1)])),
};

/** The query's filters as listAudit takes them (the schema already checked their shape). */
function filtersOf(q: AuditListQuery): Omit<AuditListOptions, 'limit' | 'order' | 'afterSeq'> {
  if (q.since !== undefined && q.until !== undefined && Date.parse(q.since) >= Date.parse(q.until)) {
    throw new RemitError('validation_failed', 'until: must be later than since.');
  }
  const [targetType, ...targetId] = q.target?.split(':') ?? [];
  const prefix = q.action?.endsWith('*') ? q.action.slice(0, -1) : q.action?.endsWith('.') ? q.action : undefined;
  return {
    ...(q.action ? { action: prefix !== undefined ? { prefix } : { exact: q.action } } : {}),
    ...(q.outcome ? { outcomes: q.outcome } : {}),
    ...(q.actor ? { actor: looksLikeId(q.actor) ? { id: q.actor } : { email: q.actor } } : {}),
    ...(targetType ? { targetType } : {}),
    ...(targetId.length ? { targetId: targetId.join(':') } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    ...(q.until ? { until: new Date(q.until) } : {}),
  };
}

export function mountAudit(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['audit'], security: bearerSecurity };
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/audit',
      operationId: 'listAudit',
      summary: 'Audit log, filtered and paged; oldest first, or newest first with order=desc',
      request: { query: AuditListQuery },
      responses: { 200: jsonContent(AuditPage, 'A page of entries'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.cursor !== undefined && q.after !== undefined) throw new RemitError('validation_failed', 'Send cursor or after, not both.');
      if (q.after !== undefined && q.order === 'desc') throw new RemitError('validation_failed', 'after: pages oldest first only; use cursor with order=desc.');
      const cursor = auditCursors[q.order];
      const afterSeq = cursor.decode(q.cursor)?.[0] ?? q.after;
      const filters = filtersOf(q);
      const rows = await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, (sql) =>
        listAudit(sql, { ...filters, order: q.order, limit: q.limit + 1, ...(afterSeq === undefined ? {} : { afterSeq }) }),
      );
      const { items, nextCursor } = cursor.page(rows, q.limit, (e) => [e.seq]);
      return c.json({ items, nextCursor, next: nextCursor === null || q.order === 'desc' ? null : items[items.length - 1]!.seq }, 200);
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
    async (c) => {
      const checkpoints = deps.auditCheckpoints;
      if (!checkpoints) return c.json(await verifyAuditChain(deps.db, deps.orgId), 200);
      const { publicKey } = await checkpoints.key();
      return c.json(await verifyAuditWithCheckpoint(deps.db, deps.orgId, { sink: checkpoints.sink, publicKey }), 200);
    },
  );
}
