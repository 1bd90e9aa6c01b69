import type { KeyObject } from 'node:crypto';
import { checkpointHash, decodeCheckpointFile, GENESIS_CHECKPOINT_HASH, type AuditCheckpoint } from './checkpoint-format.ts';
import { seqOfCheckpointName, type CheckpointSink } from './checkpoint-sink.ts';

export type CheckpointChain =
  { ok: true; count: number; latest: AuditCheckpoint | undefined } | { ok: false; count: number; latest: AuditCheckpoint | undefined; reason: string };

/**
 * Reads an org's checkpoints oldest first and checks each: signed by `publicKey`, for this org,
 * named after its own seq, seq strictly increasing, and linked to the one before it by hash. A
 * checkpoint removed from the middle, reordered, or signed by another key breaks the chain
 * there; `latest` is then the last checkpoint that did verify. Removing the newest checkpoints
 * cannot be seen from the chain alone; the one before still bounds the audit log.
 */
export async function readCheckpointChain(sink: CheckpointSink, orgId: string, publicKey: KeyObject): Promise<CheckpointChain> {
  const names = await sink.list(`${orgId}/`);
  let latest: AuditCheckpoint | undefined;
  let prevHash = GENESIS_CHECKPOINT_HASH;
  let count = 0;
  for (const name of names) {
    const fail = (why: string): CheckpointChain => ({ ok: false, count, latest, reason: `checkpoint ${name}: ${why}` });
    const named = seqOfCheckpointName(orgId, name);
    if (named === undefined) return fail('not a checkpoint name');
    let c: AuditCheckpoint;
    try {
      c = decodeCheckpointFile(await sink.read(name), publicKey).checkpoint;
    } catch (err) {
      return fail(err instanceof TypeError ? err.message : 'unreadable');
    }
    if (c.orgId !== orgId) return fail('belongs to another org');
    if (c.seq !== named) return fail(`claims seq ${c.seq} under the name of seq ${named} (moved or reordered)`);
    if (latest !== undefined && c.seq <= latest.seq) return fail('seq does not increase');
    if (c.prevCheckpointHash !== prevHash) return fail('does not link to the checkpoint before it (one removed, inserted or reordered)');
    latest = c;
    prevHash = checkpointHash(c);
    count++;
  }
  return { ok: true, count, latest };
}
