import { RemitError } from '@remit/core';
import type { Sql } from './sql.ts';

/** A legal hold as stored: exactly one of userId and runId is set. */
export interface LegalHoldRecord {
  id: string;
  userId: string | null;
  runId: string | null;
  reason: string;
  setBy: string | null;
  setAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  /** set_at to the microsecond, RFC 3339: the list's keyset position. */
  position: string;
}

const holdColumns = `id, user_id as "userId", run_id as "runId", reason, set_by as "setBy", set_at as "setAt",
  released_at as "releasedAt", released_by as "releasedBy",
  to_char(set_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position`;

/**
 * Places a hold on a user or a run of the current org. The subject must exist in this org:
 * `unknown_reference` otherwise (row-level security hides every other org's rows).
 */
export async function createLegalHold(
  sql: Sql,
  hold: { subject: { type: 'user' | 'run'; id: string }; reason: string; setBy: string | null },
): Promise<LegalHoldRecord> {
  const table = hold.subject.type === 'user' ? 'users' : 'runs';
  const exists = await sql.query(`select 1 from ${table} where id = $1`, [hold.subject.id]);
  if (exists.rows.length === 0) throw new RemitError('unknown_reference', `No ${hold.subject.type} ${JSON.stringify(hold.subject.id)}.`);
  const res = await sql.query<LegalHoldRecord>(
    `insert into legal_holds (org_id, user_id, run_id, reason, set_by) values (remit_current_org(), $1, $2, $3, $4) returning ${holdColumns}`,
    [hold.subject.type === 'user' ? hold.subject.id : null, hold.subject.type === 'run' ? hold.subject.id : null, hold.reason, hold.setBy],
  );
  return res.rows[0]!;
}

/** Holds newest first, after `after` (a previous page's last position and id); active ones only unless `includeReleased`. */
export async function listLegalHolds(
  sql: Sql,
  options: { includeReleased: boolean; after?: { position: string; id: string }; limit: number },
): Promise<LegalHoldRecord[]> {
  const res = await sql.query<LegalHoldRecord>(
    `select ${holdColumns} from legal_holds
      where ($1 or released_at is null) and ($2::timestamptz is null or (set_at, id) < ($2::timestamptz, $3::uuid))
      order by set_at desc, id desc limit $4`,
    [options.includeReleased, options.after?.position ?? null, options.after?.id ?? null, options.limit],
  );
  return res.rows;
}

/**
 * Releases an active hold. `not_found` for no such hold; `legal_hold_released` when it was
 * released already (the row is locked first, so two releases cannot both succeed).
 */
export async function releaseLegalHold(sql: Sql, id: string, releasedBy: string | null): Promise<LegalHoldRecord> {
  const found = await sql.query<{ releasedAt: Date | null }>(`select released_at as "releasedAt" from legal_holds where id = $1 for update`, [id]);
  if (!found.rows[0]) throw new RemitError('not_found', `No legal hold ${JSON.stringify(id)}.`);
  if (found.rows[0].releasedAt) throw new RemitError('legal_hold_released');
  const res = await sql.query<LegalHoldRecord>(`update legal_holds set released_at = now(), released_by = $2 where id = $1 returning ${holdColumns}`, [
    id,
    releasedBy,
  ]);
  return res.rows[0]!;
}
