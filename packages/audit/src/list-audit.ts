import type { AuditEntry } from '@remit/core';
import type { Sql } from '@remit/db';
import { readAuditPage, toAuditEntry } from './audit-rows.ts';

/** The current org's entries after `afterSeq` (default 0, i.e. from the start), oldest first. */
export async function listAudit(sql: Sql, options: { afterSeq?: number; limit: number }): Promise<AuditEntry[]> {
  const rows = await readAuditPage(sql, options.afterSeq ?? 0, options.limit);
  return rows.map(toAuditEntry);
}
