import type { AuditEntry } from '@remit/core';
import type { Sql } from '@remit/db';
import type { HashedAuditFields } from './canonical.ts';

/** One audit_events row as readAuditPage returns it. */
export interface AuditRow {
  org_id: string;
  seq: number;
  /** UTC with microseconds: `2025-01-02T03:04:05.678000Z`. */
  at_us: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: AuditEntry['outcome'];
  request_id: string | null;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

type AuditTuple = [
  org_id: string,
  seq: number,
  at_us: string,
  actor_id: string | null,
  action: string,
  target_type: string | null,
  target_id: string | null,
  outcome: AuditEntry['outcome'],
  request_id: string | null,
  detail: Record<string, unknown>,
  prev_hash: string,
  hash: string,
];

/**
 * One audit_events row as a JSON array, for `json_agg`: a page travels as one JSON text of
 * positional arrays. PGlite decodes every field of every row in JS: reading 100,000 entries
 * took 2.1–2.6 s as plain rows, 0.9–1.0 s as one json_agg of objects and 0.8 s as arrays per
 * 5,000-row page. Over pg, plain rows were quicker (0.5–0.7 s against 0.8–1.1 s); we keep one
 * query for both drivers, as @remit/db does, and both stay under the 2 s goal
 * (bench/audit-verify.ts). jsonb inside the text is exactly what the driver would have parsed,
 * so detail reads back as appendAudit hashed it.
 */
export const AUDIT_ROW_ARRAY = `json_build_array(
  org_id, seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  actor_id, action, target_type, target_id, outcome, request_id, detail, prev_hash, hash)`;

/** The rows of a page that `json_agg(AUDIT_ROW_ARRAY)` sent as text. */
export function parseAuditRows(page: string): AuditRow[] {
  return (JSON.parse(page) as AuditTuple[]).map(
    ([org_id, seq, at_us, actor_id, action, target_type, target_id, outcome, request_id, detail, prev_hash, hash]) => ({
      org_id,
      seq,
      at_us,
      actor_id,
      action,
      target_type,
      target_id,
      outcome,
      request_id,
      detail,
      prev_hash,
      hash,
    }),
  );
}

/**
 * Keyset page of the current org's chain, oldest first. RLS already limits rows to the
 * transaction's org; naming it again lets the planner walk the (org_id, seq) primary key.
 */
export async function readAuditPage(sql: Sql, afterSeq: number, limit: number): Promise<AuditRow[]> {
  const res = await sql.query<{ page: string }>(
    `select coalesce(json_agg(${AUDIT_ROW_ARRAY} order by seq), '[]')::text as page
       from (select * from audit_events
              where org_id = remit_current_org() and seq > $1
              order by seq
              limit $2) e`,
    [afterSeq, limit],
  );
  return parseAuditRows(res.rows[0]!.page);
}

/**
 * timestamptz keeps microseconds, a JS Date only milliseconds. Trimming only a zero
 * sub-millisecond part gives Date#toISOString's form for every value appendAudit writes,
 * while a sub-millisecond edit stays visible to the verifier instead of being rounded away.
 */
function isoAt(row: AuditRow): string {
  return row.at_us.endsWith('000Z') ? `${row.at_us.slice(0, -4)}Z` : row.at_us;
}

export function hashedFields(row: AuditRow): HashedAuditFields {
  return {
    orgId: row.org_id,
    seq: row.seq,
    at: isoAt(row),
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    outcome: row.outcome,
    requestId: row.request_id,
    detail: row.detail,
  };
}

/** What the API shows: the hashed fields (the org is implied) and the entry's hash. */
export function toAuditEntry(row: AuditRow): AuditEntry {
  const { orgId: _implied, ...fields } = hashedFields(row);
  return { ...fields, hash: row.hash } as AuditEntry;
}
