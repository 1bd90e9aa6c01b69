import type { KeyObject } from 'node:crypto';
import type { Database } from '@remit/db';
import { readAuditPage } from '../audit-rows.ts';
import { checkpointHash, checkpointKeyId, encodeCheckpointFile, GENESIS_CHECKPOINT_HASH, signCheckpoint, type AuditCheckpoint } from './checkpoint-format.ts';
import { checkpointName } from './checkpoint-sink.ts';
import { verifyAuditWithCheckpoint, type CheckpointAnchor } from './verify-against-checkpoint.ts';
import { readCheckpointChain } from './read-checkpoint-chain.ts';

export interface CheckpointPolicy {
  /** A checkpoint once this many entries follow the last one (default 1000). */
  everyEntries: number;
  /** A checkpoint once the last is this old and any entry follows it (default 5 minutes). */
  everyMs: number;
}

export interface CheckpointWriter extends CheckpointAnchor {
  privateKey: KeyObject;
}

export type CheckpointOutcome =
  | { written: false; why: 'not_due' | 'lost_race' }
  | { written: true; checkpoint: AuditCheckpoint }
  | { written: false; why: 'chain_does_not_verify'; reason: string };

/**
 * Writes the org's next checkpoint when one is due, and only over a chain that verifies up to
 * the previous checkpoint: a writer must never sign a head it has not checked, or it would
 * launder a rewrite. Safe on every replica at once: the sink refuses a second object with the
 * same name, and the loser re-reads. `latest` caches the newest checkpoint between calls.
 */
export async function writeAuditCheckpoint(
  db: Database,
  orgId: string,
  writer: CheckpointWriter,
  policy: CheckpointPolicy,
  state: { latest?: AuditCheckpoint | undefined; loaded?: boolean },
  now: Date = new Date(),
): Promise<CheckpointOutcome> {
  if (!state.loaded) {
    const chain = await readCheckpointChain(writer.sink, orgId, writer.publicKey);
    if (!chain.ok) return { written: false, why: 'chain_does_not_verify', reason: chain.reason };
    state.latest = chain.latest;
    state.loaded = true;
  }
  const head = await db.tenant({ orgId, userId: null }, (sql) =>
    sql.query<{ seq: number | null }>('select max(seq)::int as seq from audit_events where org_id = remit_current_org()'),
  );
  const headSeq = head.rows[0]?.seq ?? 0;
  const last = state.latest;
  const due =
    headSeq > (last?.seq ?? 0) && (last === undefined || headSeq - last.seq >= policy.everyEntries || now.getTime() - Date.parse(last.at) >= policy.everyMs);
  if (!due) return { written: false, why: 'not_due' };

  const verified = await verifyAuditWithCheckpoint(db, orgId, writer);
  if (!verified.ok) return { written: false, why: 'chain_does_not_verify', reason: verified.checkpoint?.reason ?? verified.reason ?? 'unknown' };
  const [entry] = await db.tenant({ orgId, userId: null }, (sql) => readAuditPage(sql, verified.checked - 1, 1));
  if (!entry) return { written: false, why: 'not_due' };
  const checkpoint: AuditCheckpoint = {
    v: 1,
    orgId,
    seq: entry.seq,
    headHash: entry.hash,
    at: now.toISOString(),
    prevCheckpointHash: last ? checkpointHash(last) : GENESIS_CHECKPOINT_HASH,
    keyId: checkpointKeyId(writer.publicKey),
  };
  const created = await writer.sink.create(checkpointName(orgId, checkpoint.seq), encodeCheckpointFile(signCheckpoint(checkpoint, writer.privateKey)));
  if (created === 'exists') {
    state.loaded = false; // another replica wrote it; read the chain again next time
    return { written: false, why: 'lost_race' };
  }
  state.latest = checkpoint;
  return { written: true, checkpoint };
}
