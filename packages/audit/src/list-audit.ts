import type { AuditEntry, AuditOutcome } from '@remit/core';
import type { Sql } from '@remit/db';
import { AUDIT_ROW_ARRAY, parseAuditRows, toAuditEntry } from './audit-rows.ts';

export interface AuditListOptions {
  limit: number;
  /** `asc` (the default): oldest first, the chain's order; `desc`: newest first. */
  order?: 'asc' | 'desc';
  /** Continue after this entry in the list's order: the seq of the previous page's last entry. */
  afterSeq?: number;
  action?: { exact: string } | { prefix: string };
  /** Any of these outcomes. */
  outcomes?: readonly AuditOutcome[];
  /** An email names the user who signed in with it first (case-insensitive); nobody: no entries. */
  actor?: { id: string } | { email: string };
  targetType?: string;
  targetId?: string;
  /** At or after. */
  since?: Date;
  /** Before. */
  until?: Date;
}

/**
 * The direction is the only text that varies, and only between these two: each order gets a
 * plan that walks an index in that order and stops at `limit`.
 */
const ORDERS = { asc: { dir: 'asc', after: '>' }, desc: { dir: 'desc', after: '<' } } as const;

/**
 * The current org's entries, filtered (filters combine with AND) and paged by seq. An unused
 * filter is a null parameter, which Postgres folds away when it plans the query with its
 * values, so each filter can use its index from migration 0012 (`explain` there). Every
 * condition is a leakproof operator, so row-level security does not keep it off the index.
 */
export async function listAudit(sql: Sql, options: AuditListOptions): Promise<AuditEntry[]> {
  const { dir, after } = ORDERS[options.order ?? 'asc'];
  const { action, actor } = options;
  const res = await sql.query<{ page: string }>(
    `select coalesce(json_agg(${AUDIT_ROW_ARRAY} order by seq ${dir}), '[]')::text as page
       from (select * from audit_events
              where org_id = remit_current_org()
                and ($1::bigint is null or seq ${after} $1)
                and ($2::text is null or action = $2)
                and ($3::text is null or starts_with(action, $3))
                and ($4::text[] is null or outcome = any($4::text[]))
                and ($5::uuid is null or actor_id = $5)
                and ($6::text is null or actor_id = (select id from users where lower(email) = lower($6) order by created_at limit 1))
                and ($7::text is null or target_type = $7)
                and ($8::text is null or target_id = $8)
                and ($9::timestamptz is null or at >= $9)
                and ($10::timestamptz is null or at < $10)
              order by seq ${dir}
              limit $11) e`,
    [
      options.afterSeq ?? null,
      action && 'exact' in action ? action.exact : null,
      action && 'prefix' in action ? action.prefix : null,
      options.outcomes ? [...options.outcomes] : null,
      actor && 'id' in actor ? actor.id : null,
      actor && 'email' in actor ? actor.email : null,
      options.targetType ?? null,
      options.targetId ?? null,
      options.since ?? null,
      options.until ?? null,
      options.limit,
    ],
  );
  return parseAuditRows(res.rows[0]!.page).map(toAuditEntry);
}
