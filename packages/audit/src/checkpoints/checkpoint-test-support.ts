import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@remit/db';
import { readAuditPage, hashedFields } from '../audit-rows.ts';
import { chainHash, GENESIS_PREV_HASH } from '../chain-hash.ts';
import { sampleRecord, tamper } from '../test-support.ts';
import { localCheckpointSink } from './local-checkpoint-sink.ts';
import type { CheckpointWriter } from './write-audit-checkpoint.ts';

/** Entries without personal rows, whose foreign key would otherwise refuse an owner's deletes. */
export const impersonal = (i: number) => ({ ...sampleRecord(i), personal: undefined });

/** A fresh key pair and a checkpoint directory, removed after `fn`. */
export async function withCheckpointDir<T>(fn: (w: CheckpointWriter & { dir: string }) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'remit-checkpoints-'));
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return await fn({ dir, sink: localCheckpointSink(dir), privateKey, publicKey });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function otherKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/**
 * The attack a hash chain alone cannot see: as the table owner, change entry `seq` and
 * recompute every hash from there to the end, so the chain is consistent with itself again.
 */
export async function rewriteFrom(db: Database, orgId: string, seq: number): Promise<void> {
  await tamper(db, orgId, async (sql) => {
    const rows = await readAuditPage(sql, 0, 100_000);
    let prev = GENESIS_PREV_HASH;
    for (const row of rows) {
      if (row.seq >= seq) {
        const detail = row.seq === seq ? { ...row.detail, rewritten: true } : row.detail;
        const hash = chainHash(hashedFields({ ...row, detail }), prev);
        await sql.query('update audit_events set detail = $2::jsonb, prev_hash = $3, hash = $4 where org_id = $1 and seq = $5', [
          orgId,
          JSON.stringify(detail),
          prev,
          hash,
          row.seq,
        ]);
        prev = hash;
      } else prev = row.hash;
    }
  });
}
