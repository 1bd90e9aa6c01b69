import type { AuditVerifyResult } from '@remit/core';
import type { Database } from '@remit/db';
import { hashedFields, readAuditPage, type AuditRow } from './audit-rows.ts';
import { chainHash, GENESIS_PREV_HASH } from './chain-hash.ts';

/** Why an entry failed; `reason` in AuditVerifyResult is one of these sentences. */
export const AuditChainFault = {
  gap: 'sequence gap (row deleted)',
  link: 'prev_hash does not match (row inserted, removed or reordered)',
  hash: 'hash mismatch (row edited)',
} as const;
export type AuditChainFault = (typeof AuditChainFault)[keyof typeof AuditChainFault];

/** 5,000 rows of ~400 bytes keep a page near 2 MB and each read transaction short. */
const DEFAULT_BATCH_SIZE = 5000;

/**
 * Walks an org's chain from seq 1 as the app role, one keyset page per transaction (default
 * 5,000 entries), and stops at the first entry that does not verify. Entries 1..checked are
 * intact and firstBadSeq is always checked + 1; for a deleted row that is the missing seq.
 *
 * What this cannot see: someone with owner rights who rewrites every entry from some point
 * to the end, recomputing each hash, or who cuts entries off the end, leaves a chain that is
 * consistent with itself. Catching that needs the head hash anchored outside the database
 * (an export or a signed checkpoint), which is later work.
 */
export async function verifyAuditChain(db: Database, orgId: string, options: { batchSize?: number } = {}): Promise<AuditVerifyResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let checked = 0;
  let prevHash = GENESIS_PREV_HASH;
  for (;;) {
    // Pages follow seq, not an offset, so entries appended while we read are simply reached.
    const rows = await db.tenant({ orgId, userId: null }, (sql) => readAuditPage(sql, checked, batchSize));
    for (const row of rows) {
      const fault = findFault(row, checked + 1, prevHash);
      if (fault) return { ok: false, checked, firstBadSeq: checked + 1, reason: fault };
      checked = row.seq;
      prevHash = row.hash;
    }
    if (rows.length < batchSize) return { ok: true, checked, firstBadSeq: null, reason: null };
  }
}

function findFault(row: AuditRow, expectedSeq: number, prevHash: string): AuditChainFault | undefined {
  if (row.seq !== expectedSeq) return AuditChainFault.gap;
  if (row.prev_hash !== prevHash) return AuditChainFault.link;
  return recomputedHash(row) === row.hash ? undefined : AuditChainFault.hash;
}

/**
 * A tampered detail can hold JSON with no canonical form (a number beyond a double becomes
 * Infinity); such a row is reported as edited instead of aborting the walk.
 */
function recomputedHash(row: AuditRow): string | undefined {
  try {
    return chainHash(hashedFields(row), row.prev_hash);
  } catch {
    return undefined; // no canonical form: the row is reported as edited, which is what it is
  }
}
