import { testDrivers, withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { appendAudit } from './append-audit.ts';
import { PURGED_PERSONAL, readAuditPersonal, shredAuditPersonalKey } from './personal-seal.ts';
import { verifyAuditChain } from './verify-audit-chain.ts';

describe.each(testDrivers)('sealed personal audit details on %s', (driver) => {
  it('seals under the actor’s key, reads back, and reads as purged once the key is shredded; the chain still verifies', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        const user = await db.owner(async (sql) => {
          const res = await sql.query<{ id: string }>(`insert into users (org_id, sub, email) values ($1, 's', 'a@example.com') returning id`, [orgA]);
          return res.rows[0]!.id;
        });
        await db.tenant(ctx, async (sql) => {
          await appendAudit(sql, { actorId: user, action: 'x', outcome: 'success', personal: { email: 'a@example.com' } });
          await appendAudit(sql, { actorId: null, action: 'y', outcome: 'denied', personal: { source: '192.0.2.1' } });
          // An id that names no user (a deleted org's, a test's) falls back to the org's key.
          await appendAudit(sql, { actorId: '00000000-0000-4000-8000-000000000001', action: 'z', outcome: 'success', personal: { ip: '192.0.2.2' } });
        });
        const stored = await db.owner((sql) => sql.query<{ data: unknown }>('select data from audit_personal'));
        expect(JSON.stringify(stored.rows)).not.toMatch(/example\.com|192\.0\.2/);
        const keys = await db.owner((sql) => sql.query<{ user_id: string | null }>('select user_id from audit_personal_keys order by user_id nulls last'));
        expect(keys.rows).toEqual([{ user_id: user }, { user_id: null }]);

        expect([...(await db.tenant(ctx, (sql) => readAuditPersonal(sql, [1, 2, 3])))]).toEqual([
          [1, { email: 'a@example.com' }],
          [2, { source: '192.0.2.1' }],
          [3, { ip: '192.0.2.2' }],
        ]);
        expect(await db.tenant(ctx, (sql) => shredAuditPersonalKey(sql, user))).toBe(1);
        const after = await db.tenant(ctx, (sql) => readAuditPersonal(sql, [1, 2]));
        expect(after.get(1)).toEqual(PURGED_PERSONAL);
        expect(after.get(2)).toEqual({ source: '192.0.2.1' });
        expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 3 });
      },
      { driver },
    );
  });

  it('records nothing personal about a purged user', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const user = await db.owner(async (sql) => {
          const res = await sql.query<{ id: string }>(`insert into users (org_id, purged_at) values ($1, now()) returning id`, [orgA]);
          return res.rows[0]!.id;
        });
        await db.tenant({ orgId: orgA, userId: null }, (sql) =>
          appendAudit(sql, { actorId: user, action: 'x', outcome: 'success', personal: { name: 'Ghost' } }),
        );
        const rows = await db.owner((sql) => sql.query('select 1 from audit_personal union all select 1 from audit_personal_keys'));
        expect(rows.rows).toEqual([]);
      },
      { driver },
    );
  });

  it('refuses a sealed detail moved onto another entry, or edited (an attacker with write access to the table)', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        await db.tenant(ctx, async (sql) => {
          await appendAudit(sql, { actorId: null, action: 'x', outcome: 'success', personal: { email: 'first@example.com' } });
          await appendAudit(sql, { actorId: null, action: 'y', outcome: 'success', personal: { email: 'second@example.com' } });
        });
        await db.owner((sql) => sql.query(`update audit_personal set data = (select data from audit_personal where seq = 1) where seq = 2`));
        await expect(db.tenant(ctx, (sql) => readAuditPersonal(sql, [2]))).rejects.toThrow();
        await db.owner((sql) => sql.query(`update audit_personal set data = jsonb_set(data, '{iv}', '"AAAAAAAAAAAAAAAA"') where seq = 1`));
        await expect(db.tenant(ctx, (sql) => readAuditPersonal(sql, [1]))).rejects.toThrow();
      },
      { driver },
    );
  });
});
