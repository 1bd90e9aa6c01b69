import type { Sql } from '@remit/db';
import { chainHash, GENESIS_PREV_HASH } from './chain-hash.ts';
import { storeAuditPersonal } from './personal-seal.ts';

export interface AuditRecord {
  actorId: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome: 'success' | 'denied' | 'error';
  requestId?: string | null;
  /** Hashed and kept forever: no emails, names or addresses here. */
  detail?: Record<string, unknown>;
  /**
   * Emails, names, IPs: stored beside the entry, not hashed, sealed under the actor's data key
   * (the org's when there is no actor) so a purge can shred it (personal-seal.ts). Nothing is
   * stored for an actor who has been purged.
   */
  personal?: Record<string, unknown>;
}

/**
 * Appends one entry to the current org's audit chain and returns its seq and hash. Call it
 * inside the tenant transaction that makes the audited change, so both commit or neither
 * does, and late in it: the per-org lock taken here is held until that transaction ends.
 * `at` defaults to now.
 */
export async function appendAudit(sql: Sql, record: AuditRecord, options: { now?: Date } = {}): Promise<{ seq: number; hash: string }> {
  // JS dates carry milliseconds and timestamptz microseconds, so this string is exactly what
  // the verifier will rebuild from the stored value.
  const at = (options.now ?? new Date()).toISOString();

  // Appenders for one org queue here until the holder commits or rolls back, so each reads a
  // committed head. Should that ever fail (under REPEATABLE READ the snapshot predates the
  // lock), the (org_id, seq) primary key refuses the fork and the append errors instead. The
  // two-int form keeps these keys apart from the one-bigint keys used by migrate().
  const locked = await sql.query<{ org_id: string | null }>(
    `select remit_current_org() as org_id,
            pg_advisory_xact_lock(hashtext('remit.audit'), hashtext(remit_current_org()::text))`,
  );
  const orgId = locked.rows[0]?.org_id;
  if (!orgId) throw new TypeError('appendAudit needs a tenant transaction with an org');

  // A new statement after the lock sees the latest committed head under READ COMMITTED. The
  // uuid and jsonb casts hand back what Postgres will store (lowercased UUID, jsonb numbers),
  // which is what the verifier will read, so that is what gets hashed.
  const detailJson = JSON.stringify(record.detail ?? {});
  const head = await sql.query<{ actor_id: string | null; detail: Record<string, unknown>; seq: number | null; hash: string | null }>(
    `select n.actor_id, n.detail, last.seq, last.hash
       from (select $1::uuid as actor_id, $2::jsonb as detail) n
       left join (select seq, hash from audit_events where org_id = $3 order by seq desc limit 1) last on true`,
    [record.actorId, detailJson, orgId],
  );
  const stored = head.rows[0]!;
  const seq = (stored.seq ?? 0) + 1;
  const prevHash = stored.hash ?? GENESIS_PREV_HASH;
  const fields = {
    orgId,
    seq,
    at,
    actorId: stored.actor_id,
    action: record.action,
    targetType: record.targetType ?? null,
    targetId: record.targetId ?? null,
    outcome: record.outcome,
    requestId: record.requestId ?? null,
    detail: stored.detail,
  };
  const hash = chainHash(fields, prevHash);

  await sql.query(
    `insert into audit_events (org_id, seq, at, actor_id, action, target_type, target_id, outcome, request_id, detail, prev_hash, hash)
     values ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
    [orgId, seq, at, fields.actorId, fields.action, fields.targetType, fields.targetId, fields.outcome, fields.requestId, detailJson, prevHash, hash],
  );
  if (record.personal !== undefined) {
    await storeAuditPersonal(sql, { orgId, seq, actorId: fields.actorId }, record.personal);
  }
  return { seq, hash };
}
