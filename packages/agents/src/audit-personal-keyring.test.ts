import { generateKeyPairSync } from 'node:crypto';
import { AuditKeyringRequired, PURGED_PERSONAL, appendAudit, readAuditPersonal, shredAuditPersonalKey, verifyAuditChain } from '@remit/audit';
import { upsertUser, type Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { SecretValue } from '@remit/secrets';
import { describe, expect, it } from 'vitest';
import { auditWrapKeyRef, openAuditPersonalKeyring } from './audit-personal-keyring.ts';
import { withVault } from './connections/test-support.ts';

const EMAIL = 'wendy.wrapped@example.org';

/** Appends an entry by `actorId` with personal details naming EMAIL; returns its seq. */
const appendPersonal = (db: Database, orgId: string, actorId: string, n: number) =>
  db.tenant(
    { orgId, userId: null },
    async (sql) => (await appendAudit(sql, { actorId, action: 'binding.create', outcome: 'success', personal: { email: EMAIL, n } })).seq,
  );

/** Everything a database copy holds of the personal details and their keys, as text. */
const dump = (db: Database) =>
  db.owner(async (sql) => {
    const tables = ['audit_personal', 'audit_personal_keys', 'audit_personal_wrap_keys'];
    const rows = [];
    for (const t of tables) rows.push(...(await sql.query(`select * from ${t}`)).rows);
    return rows;
  });

describe.each(testDrivers)('personal audit keys held by the secret store on %s', (driver) => {
  it('wraps legacy keys at the first opening, seals new details to wrapped keys, and opens nothing without the secret store', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const user = await db.tenant({ orgId: orgA, userId: null }, (sql) => upsertUser(sql, { sub: 'wendy', email: EMAIL }));
          const before = await appendPersonal(db, orgA, user.id, 1); // a 0015 plain key, as before the upgrade

          const keyring = await openAuditPersonalKeyring(db, secrets, orgA);
          const after = await appendPersonal(db, orgA, user.id, 2);
          const keys = await db.owner((sql) =>
            sql.query<{ plain: boolean; wrapped: boolean; v2: boolean }>(
              'select key is not null as plain, sealed_key is not null as wrapped, public_key is not null as v2 from audit_personal_keys order by v2',
            ),
          );
          expect(keys.rows).toEqual([
            { plain: false, wrapped: true, v2: false },
            { plain: false, wrapped: true, v2: true },
          ]);

          // The attacker with a database copy and the app's code, but not the secret store.
          const copy = JSON.stringify(await dump(db));
          expect(copy).not.toContain(EMAIL);
          await expect(db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [before]))).rejects.toThrow(AuditKeyringRequired);
          await expect(db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [after]))).rejects.toThrow(AuditKeyringRequired);
          // ... or with a wrapping key of their own: nothing opens either.
          await withVault(async (theirs) => {
            const { privateKey } = generateKeyPairSync('x25519');
            await theirs.put(auditWrapKeyRef(orgA), new SecretValue(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
            const forged = { orgId: orgA, privateKey };
            await expect(db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [after], forged))).rejects.toThrow();
            // Opening theirs against this database is refused: its public key is not the one recorded.
            await expect(openAuditPersonalKeyring(db, theirs, orgA)).rejects.toThrow(/another public key/);
          });

          const opened = await db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [before, after], keyring));
          expect(Object.fromEntries(opened)).toEqual({ [before]: { email: EMAIL, n: 1 }, [after]: { email: EMAIL, n: 2 } });

          // Reopening (every start) changes nothing: the same key, nothing left to wrap.
          const again = await openAuditPersonalKeyring(db, secrets, orgA);
          expect(again.privateKey.export({ format: 'pem', type: 'pkcs8' })).toEqual(keyring.privateKey.export({ format: 'pem', type: 'pkcs8' }));

          // Crypto-shredding still works: the purge deletes both of the user's keys, the only copies.
          expect(await db.tenant({ orgId: orgA, userId: null }, (sql) => shredAuditPersonalKey(sql, user.id))).toBe(2);
          const shredded = await db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [before, after], keyring));
          expect(Object.fromEntries(shredded)).toEqual({ [before]: PURGED_PERSONAL, [after]: PURGED_PERSONAL });
          expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 2 });
        }),
      { driver },
    );
  });

  it('refuses a sealed key moved onto another user’s row, and a detail moved onto another entry', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const keyring = await openAuditPersonalKeyring(db, secrets, orgA);
          const [a, b] = await db.tenant({ orgId: orgA, userId: null }, async (sql) => [
            await upsertUser(sql, { sub: 'a', email: 'a@example.org' }),
            await upsertUser(sql, { sub: 'b', email: 'b@example.org' }),
          ]);
          const seqA = await appendPersonal(db, orgA, a!.id, 1);
          const seqB = await appendPersonal(db, orgA, b!.id, 2);
          await db.owner((sql) =>
            sql.query('update audit_personal_keys set sealed_key = (select sealed_key from audit_personal_keys where user_id = $1) where user_id = $2', [
              a!.id,
              b!.id,
            ]),
          );
          const read = (seq: number) => db.tenant({ orgId: orgA, userId: null }, (sql) => readAuditPersonal(sql, [seq], keyring));
          expect((await read(seqA)).get(seqA)).toEqual({ email: EMAIL, n: 1 });
          await expect(read(seqB)).rejects.toThrow();
          await db.owner((sql) => sql.query('update audit_personal set data = (select data from audit_personal where seq = $1) where seq = $2', [seqA, seqB]));
          await expect(read(seqB)).rejects.toThrow();
        }),
      { driver },
    );
  });
});
