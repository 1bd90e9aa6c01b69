import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAudit, decodeCheckpointFile, verifyAuditWithCheckpoint } from '@remit/audit';
import { withTestDb } from '@remit/db/testing';
import type { SandboxDriver } from '@remit/sandbox';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { withVault } from '../connections/test-support.ts';
import { startMaintenance } from '../maintenance.ts';
import { checkpointKeyRef, checkpointPublicKeyPem, loadOrCreateCheckpointKey } from './checkpoint-key.ts';
import { openAuditCheckpoints } from './open-checkpoints.ts';

const idle = { name: 'idle', list: () => Promise.resolve([]), destroy: async () => undefined } as unknown as SandboxDriver;

describe('the checkpoint maintenance job', () => {
  it('creates the key in the secret store once, and writes a signed checkpoint the public key verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remit-checkpoint-job-'));
    try {
      await withTestDb(async ({ db, orgA }) =>
        withVault(async (secrets) => {
          for (let i = 0; i < 3; i++) {
            await db.tenant({ orgId: orgA, userId: null }, (sql) => appendAudit(sql, { actorId: null, action: 'role.create', outcome: 'success' }));
          }
          let clock = new Date('2025-03-01T00:00:00.000Z');
          const checkpoints = openAuditCheckpoints({ dir, policy: { everyEntries: 1000, everyMs: 5 * 60_000 }, now: () => clock }, secrets, orgA);
          const maintenance = startMaintenance(
            { db, orgId: orgA, sandboxes: idle, secrets, logger: pino({ level: 'silent' }), checkpoints },
            { everyMs: 60_000 },
          );
          await maintenance.runOnce();
          await db.tenant({ orgId: orgA, userId: null }, (sql) => appendAudit(sql, { actorId: null, action: 'role.update', outcome: 'success' }));
          await maintenance.runOnce(); // not due: 1 entry and no time passed
          clock = new Date('2025-03-01T00:05:00.000Z');
          await maintenance.runOnce();
          await maintenance.stop();

          const names = await readdir(join(dir, orgA));
          expect(names).toEqual(['00000000000000000003.json', '00000000000000000004.json']);
          // The private key lives only in the secret store; the sink holds signatures and the public key verifies them.
          const stored = await secrets.get(checkpointKeyRef(orgA));
          expect(stored.reveal()).toContain('BEGIN PRIVATE KEY');
          const again = await loadOrCreateCheckpointKey(secrets, orgA);
          expect(checkpointPublicKeyPem(again.publicKey)).toBe(checkpointPublicKeyPem((await checkpoints.key()).publicKey));
          for (const n of names) {
            const bytes = await readFile(join(dir, orgA, n));
            expect(bytes.toString()).not.toContain('PRIVATE');
            expect(decodeCheckpointFile(bytes, again.publicKey).checkpoint.at).toMatch(/^2025-03-01T00:0[05]:00.000Z$/);
          }
          expect(await verifyAuditWithCheckpoint(db, orgA, { sink: checkpoints.sink, publicKey: again.publicKey })).toMatchObject({
            ok: true,
            checkpoint: { status: 'verified', seq: 4 },
          });
        }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
