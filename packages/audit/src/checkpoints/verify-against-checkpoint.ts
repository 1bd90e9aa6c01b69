import type { KeyObject } from 'node:crypto';
import type { AuditCheckpointCheck, AuditVerifyResult } from '@remit/core';
import type { Database } from '@remit/db';
import { readAuditPage } from '../audit-rows.ts';
import { verifyAuditChain } from '../verify-audit-chain.ts';
import { checkpointKeyId } from './checkpoint-format.ts';
import type { CheckpointSink } from './checkpoint-sink.ts';
import { readCheckpointChain } from './read-checkpoint-chain.ts';

export interface CheckpointAnchor {
  sink: CheckpointSink;
  publicKey: KeyObject;
}

/**
 * verifyAuditChain, then the chain against the newest signed checkpoint: the chain must reach
 * the checkpoint's seq and the entry there must carry the checkpoint's hash. Because every
 * entry's hash covers the one before it, that proves entries 1..seq are exactly those that
 * were checkpointed: cutting the tail below seq, or rewriting any entry at or before it (even
 * recomputing every later hash), fails. Entries after the checkpoint are only self-consistent.
 */
export async function verifyAuditWithCheckpoint(db: Database, orgId: string, anchor: CheckpointAnchor): Promise<AuditVerifyResult> {
  const chain = await verifyAuditChain(db, orgId);
  const checkpoint = await checkAnchor(db, orgId, anchor, chain.checked);
  return { ...chain, ok: chain.ok && checkpoint.status !== 'failed', checkpoint };
}

async function checkAnchor(db: Database, orgId: string, anchor: CheckpointAnchor, checked: number): Promise<AuditCheckpointCheck> {
  const read = await readCheckpointChain(anchor.sink, orgId, anchor.publicKey);
  const latest = read.latest;
  const base = {
    sink: anchor.sink.description,
    keyId: checkpointKeyId(anchor.publicKey),
    checkpoints: read.count,
    seq: latest?.seq ?? null,
    at: latest?.at ?? null,
    headHash: latest?.headHash ?? null,
  };
  if (!read.ok) return { ...base, status: 'failed', reason: read.reason };
  if (latest === undefined) return { ...base, status: 'none', reason: null };
  if (checked < latest.seq) {
    return {
      ...base,
      status: 'failed',
      reason: `the chain verifies only to entry ${checked}, short of checkpoint ${latest.seq} (entries removed or rewritten)`,
    };
  }
  const [entry] = await db.tenant({ orgId, userId: null }, (sql) => readAuditPage(sql, latest.seq - 1, 1));
  if (entry?.seq !== latest.seq || entry.hash !== latest.headHash) {
    return { ...base, status: 'failed', reason: `entry ${latest.seq} does not have the hash checkpoint ${latest.seq} signed (history rewritten)` };
  }
  return { ...base, status: 'verified', reason: null };
}
