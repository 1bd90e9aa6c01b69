import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../append-audit.ts';
import { clock, tamper } from '../test-support.ts';
import { verifyAuditChain } from '../verify-audit-chain.ts';
import { checkpointHash, checkpointKeyId, encodeCheckpointFile, signCheckpoint } from './checkpoint-format.ts';
import { checkpointName } from './checkpoint-sink.ts';
import { impersonal, otherKey, rewriteFrom, withCheckpointDir } from './checkpoint-test-support.ts';
import { verifyAuditWithCheckpoint } from './verify-against-checkpoint.ts';
import { writeAuditCheckpoint, type CheckpointWriter } from './write-audit-checkpoint.ts';

const policy = { everyEntries: 5, everyMs: 5 * 60_000 };

/** Appends entries from..to and writes a checkpoint over them (the policy makes each one due). */
async function grow(db: Database, orgId: string, w: CheckpointWriter, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await db.tenant({ orgId, userId: null }, (sql) => appendAudit(sql, impersonal(i), { now: clock(i) }));
  const out = await writeAuditCheckpoint(db, orgId, w, policy, {}, clock(to + 1));
  expect(out.written, JSON.stringify(out)).toBe(true);
}

const checkpointFile = (w: { dir: string }, orgId: string, seq: number) => join(w.dir, checkpointName(orgId, seq));

describe.each(testDrivers)('audit checkpoints on %s', (driver) => {
  const withCheckpoints = (fn: (t: { db: Database; orgA: string; orgB: string; w: CheckpointWriter & { dir: string } }) => Promise<void>) =>
    withTestDb(async ({ db, orgA, orgB }) => withCheckpointDir(async (w) => fn({ db, orgA, orgB, w })), { driver });

  it('verifies an intact chain against checkpoints 5, 10 and 15 and says what it proved', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 5);
      await grow(db, orgA, w, 6, 10);
      await grow(db, orgA, w, 11, 15);
      const result = await verifyAuditWithCheckpoint(db, orgA, w);
      expect(result).toMatchObject({
        ok: true,
        checked: 15,
        checkpoint: { status: 'verified', checkpoints: 3, seq: 15, keyId: checkpointKeyId(w.publicKey), reason: null },
      });
      expect(result.checkpoint?.sink).toBe(`dir:${w.dir}`);
    });
  });

  it('reports status none, not a failure, before the first checkpoint', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      expect(await verifyAuditWithCheckpoint(db, orgA, w)).toMatchObject({ ok: true, checked: 0, checkpoint: { status: 'none', checkpoints: 0, seq: null } });
    });
  });

  it('detects the tail cut off by the table owner, which the chain alone accepts', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 10);
      await tamper(db, orgA, ['delete from audit_events where org_id = $1 and seq > 7']);
      expect((await verifyAuditChain(db, orgA)).ok).toBe(true);
      expect(await verifyAuditWithCheckpoint(db, orgA, w)).toMatchObject({
        ok: false,
        checked: 7,
        checkpoint: { status: 'failed', seq: 10, reason: 'the chain verifies only to entry 7, short of checkpoint 10 (entries removed or rewritten)' },
      });
    });
  });

  it('detects an entry before the checkpoint rewritten with every later hash recomputed', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 10);
      await rewriteFrom(db, orgA, 4);
      expect((await verifyAuditChain(db, orgA)).ok).toBe(true);
      expect(await verifyAuditWithCheckpoint(db, orgA, w)).toMatchObject({
        ok: false,
        checkpoint: { status: 'failed', reason: 'entry 10 does not have the hash checkpoint 10 signed (history rewritten)' },
      });
    });
  });

  it('refuses a checkpoint forged with another key, whether it names its own key id or ours', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 5);
      await rewriteFrom(db, orgA, 2);
      const head = (await verifyAuditWithCheckpoint(db, orgA, w)).checkpoint!;
      const attacker = otherKey();
      const rewrittenHash = await db.tenant(
        { orgId: orgA, userId: null },
        async (sql) => (await sql.query<{ hash: string }>('select hash from audit_events where seq = 5')).rows[0]!.hash,
      );
      const prev = JSON.parse(await readFile(checkpointFile(w, orgA, 5), 'utf8')) as { checkpoint: Parameters<typeof checkpointHash>[0] };
      for (const keyId of [checkpointKeyId(attacker.publicKey), head.keyId]) {
        const forged = {
          v: 1 as const,
          orgId: orgA,
          seq: 6,
          headHash: rewrittenHash,
          at: clock(7).toISOString(),
          prevCheckpointHash: checkpointHash(prev.checkpoint),
          keyId,
        };
        await writeFile(checkpointFile(w, orgA, 6), encodeCheckpointFile(signCheckpoint(forged, attacker.privateKey)));
        const result = await verifyAuditWithCheckpoint(db, orgA, w);
        expect(result.ok).toBe(false);
        expect(result.checkpoint?.reason).toMatch(keyId === head.keyId ? /: bad signature$/ : /: signed by another key \(keyId differs\)$/);
        await unlink(checkpointFile(w, orgA, 6));
      }
    });
  });

  it('still bounds the chain by the previous checkpoint when the newest file is deleted', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 5);
      await grow(db, orgA, w, 6, 10);
      await unlink(checkpointFile(w, orgA, 10));
      await tamper(db, orgA, ['delete from audit_events where org_id = $1 and seq > 3']);
      expect(await verifyAuditWithCheckpoint(db, orgA, w)).toMatchObject({ ok: false, checkpoint: { status: 'failed', seq: 5, checkpoints: 1 } });
    });
  });

  it('detects a checkpoint removed from the middle of the chain, or two swapped', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 5);
      await grow(db, orgA, w, 6, 10);
      await grow(db, orgA, w, 11, 15);
      const [f5, f10, f15] = [5, 10, 15].map((s) => checkpointFile(w, orgA, s)) as [string, string, string];
      const middle = await readFile(f10);
      await unlink(f10);
      expect((await verifyAuditWithCheckpoint(db, orgA, w)).checkpoint).toMatchObject({
        status: 'failed',
        checkpoints: 1,
        seq: 5,
        reason: `checkpoint ${checkpointName(orgA, 15)}: does not link to the checkpoint before it (one removed, inserted or reordered)`,
      });
      await writeFile(f10, middle);
      await rename(f15, `${f15}.tmp`);
      await rename(f5, f15);
      await rename(`${f15}.tmp`, f5);
      expect((await verifyAuditWithCheckpoint(db, orgA, w)).checkpoint).toMatchObject({
        status: 'failed',
        checkpoints: 0,
        reason: expect.stringMatching(/claims seq 15 under the name of seq 5/),
      });
    });
  });

  it('writes files read-only and never overwrites one', async () => {
    await withCheckpoints(async ({ db, orgA, w }) => {
      await grow(db, orgA, w, 1, 5);
      const path = checkpointFile(w, orgA, 5);
      expect((await stat(path)).mode & 0o777).toBe(0o444);
      expect(await w.sink.create(checkpointName(orgA, 5), Buffer.from('x'))).toBe('exists');
      expect((await verifyAuditWithCheckpoint(db, orgA, w)).checkpoint?.status).toBe('verified');
    });
  });
});
