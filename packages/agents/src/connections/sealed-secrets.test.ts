import { randomUUID } from 'node:crypto';
import type { Sql } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import { formatSecretRef, type SecretRef } from '@remit/secrets';
import { describe, expect, it } from 'vitest';
import { adoptSealed, deleteSealed, sealUnreferenced, sweepSecretOrphans } from './sealed-secrets.ts';
import { capturingLogger, withVault } from './test-support.ts';

const refFor = (orgId: string): SecretRef => ({ orgId, scope: 'connection', ownerId: randomUUID(), name: 'credentials-test' });

describe('a sealed secret nothing refers to', () => {
  it('left by a process that died before its write is deleted by the sweep once the grace period is over, not before', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const tx = <T>(fn: (sql: Sql) => Promise<T>) => db.tenant({ orgId: orgA, userId: null }, fn);
        const deps = { secrets, logger: capturingLogger().logger };
        await sealUnreferenced(deps, tx, refFor(orgA), '{"token":"t"}');
        // …and the process dies here, before the transaction that would refer to it.

        expect(await sweepSecretOrphans(deps, tx)).toEqual({ deleted: 0, refused: 0 });
        expect(await secrets.list({ orgId: orgA })).toHaveLength(1);
        await db.owner((sql) => sql.query(`update secret_orphans set due_at = now() - interval '1 second'`));
        expect(await sweepSecretOrphans(deps, tx)).toEqual({ deleted: 1, refused: 0 });
        expect(await secrets.list({ orgId: orgA })).toEqual([]);
      }),
    );
  });

  it('cannot be adopted once a sweep has claimed it: a save that outlived the grace period fails instead of referring to a deleted secret', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const tx = <T>(fn: (sql: Sql) => Promise<T>) => db.tenant({ orgId: orgA, userId: null }, fn);
        const deps = { secrets, logger: capturingLogger().logger };
        const ref = await sealUnreferenced(deps, tx, refFor(orgA), '{"token":"t"}');
        await db.owner((sql) => sql.query(`update secret_orphans set due_at = now() - interval '1 second'`));
        await sweepSecretOrphans(deps, tx);
        await expect(tx((sql) => adoptSealed(sql, ref))).rejects.toMatchObject({ code: 'internal' });
      }),
    );
  });

  it('is kept when its write committed after all (an acknowledgement lost on the way back): only what is still listed is deleted', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const tx = <T>(fn: (sql: Sql) => Promise<T>) => db.tenant({ orgId: orgA, userId: null }, fn);
        const deps = { secrets, logger: capturingLogger().logger };
        const ref = refFor(orgA);
        await sealUnreferenced(deps, tx, ref, '{"token":"t"}');
        await tx((sql) => adoptSealed(sql, formatSecretRef(ref)));
        // The caller saw the commit fail and cleans up what it sealed.
        await deleteSealed(deps, tx, [formatSecretRef(ref)]);
        expect((await secrets.list({ orgId: orgA })).map(formatSecretRef)).toEqual([formatSecretRef(ref)]);
      }),
    );
  });
});
