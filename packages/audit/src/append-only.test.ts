import { PgErrorCode, testDrivers, withTestDb, type TestDatabase } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { listAudit } from './list-audit.ts';
import { appendChain, pgErrorOf } from './test-support.ts';
import { verifyAuditChain } from './verify-audit-chain.ts';

const rewrites = [
  'update audit_events set action = action',
  `update audit_events set outcome = 'success' where seq = 2`,
  'delete from audit_events where seq = 3',
  'delete from audit_events',
  'truncate audit_events cascade',
];

describe.each(testDrivers)('audit_events is append-only on %s', (driver) => {
  const withDb = <T>(fn: (t: TestDatabase) => Promise<T>) => withTestDb(fn, { driver });

  it('the app role cannot update, delete or truncate entries, not even its own org’s (42501)', async () => {
    await withDb(async ({ db, orgA }) => {
      await appendChain(db, orgA, 3);
      const asA = { orgId: orgA, userId: null };
      for (const text of rewrites) {
        expect(await pgErrorOf(db.tenant(asA, (sql) => sql.query(text))), text).toBe(PgErrorCode.insufficientPrivilege);
      }
      // Positive control: the same role reads its entries, and they are untouched.
      expect(await db.tenant(asA, (sql) => listAudit(sql, { limit: 10 }))).toHaveLength(3);
      expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 3 });
    });
  });

  it('the owner cannot update, delete or truncate while the trigger is enabled (42501)', async () => {
    await withDb(async ({ db, orgA }) => {
      await appendChain(db, orgA, 3);
      for (const text of rewrites) {
        const attempt = db.owner(async (sql) => {
          await sql.query(`select set_config('remit.org_id', $1, true)`, [orgA]);
          await sql.query(text);
        });
        expect(await pgErrorOf(attempt), text).toBe(PgErrorCode.insufficientPrivilege);
      }
      expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 3 });
    });
  });

  it('another org can neither read org A’s chain nor append to it', async () => {
    await withDb(async ({ db, orgA, orgB }) => {
      const [first] = await appendChain(db, orgA, 1);
      const asB = { orgId: orgB, userId: null };
      expect(await db.tenant(asB, (sql) => listAudit(sql, { limit: 10 }))).toEqual([]);
      const forged = db.tenant(asB, (sql) =>
        sql.query(
          `insert into audit_events (org_id, seq, at, action, outcome, detail, prev_hash, hash)
           values ($1, 2, now(), 'forged', 'success', '{}', $2, $2)`,
          [orgA, first!.hash],
        ),
      );
      expect(await pgErrorOf(forged)).toBe(PgErrorCode.insufficientPrivilege);
      expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 1 });
      expect(await verifyAuditChain(db, orgB)).toMatchObject({ ok: true, checked: 0 });
    });
  });
});
