import { appendAudit, type AuditRecord } from '@remit/audit';
import type { Sql } from '@remit/db';
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';

/** Appends an audit entry for this request, inside the caller's transaction. */
export function auditRequest(sql: Sql, c: Context<AppEnv>, record: Omit<AuditRecord, 'actorId' | 'requestId'>): Promise<unknown> {
  return appendAudit(sql, { ...record, actorId: c.var.actor?.userId ?? null, requestId: c.var.requestId });
}
