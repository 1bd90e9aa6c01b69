import { AuditEntry } from '@remit/core';
import { noTenant, testDrivers, withTestDb, type TestDatabase, type TestDatabaseOptions } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { appendAudit } from './append-audit.ts';
import { GENESIS_PREV_HASH } from './chain-hash.ts';
import { listAudit } from './list-audit.ts';
import { readAuditPersonal } from './personal-seal.ts';
import { appendChain, clock, sampleRecord } from './test-support.ts';
import { verifyAuditChain } from './verify-audit-chain.ts';

const intact = (checked: number) => ({ ok: true, checked, firstBadSeq: null, reason: null });

describe.each(testDrivers)('appendAudit on %s', (driver) => {
  const withDb = <T>(fn: (t: TestDatabase) => Promise<T>, options: TestDatabaseOptions = {}) => withTestDb(fn, { ...options, driver });

  it('chains 20 entries from the genesis hash, and they verify', async () => {
    await withDb(async ({ db, orgA }) => {
      const written = await appendChain(db, orgA, 20);
      expect(written.map((w) => w.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

      const rows = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
        sql.query<{ seq: number; prev_hash: string; hash: string }>('select seq, prev_hash, hash from audit_events order by seq'),
      );
      expect(rows.rows[0]!.prev_hash).toBe(GENESIS_PREV_HASH);
      rows.rows.forEach((row, i) => {
        expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(row.hash).toBe(written[i]!.hash);
        if (i > 0) expect(row.prev_hash).toBe(rows.rows[i - 1]!.hash);
      });

      const entries = await db.tenant({ orgId: orgA, userId: null }, (sql) => listAudit(sql, { limit: 100 }));
      entries.forEach((entry, i) => {
        expect(AuditEntry.parse(entry)).toEqual(entry);
        expect(entry.at).toBe(clock(i + 1).toISOString());
      });
      expect(await verifyAuditChain(db, orgA)).toEqual(intact(20));
    });
  });

  it('keeps one chain per org, each starting at seq 1 from the genesis hash', async () => {
    await withDb(async ({ db, orgA, orgB }) => {
      await appendChain(db, orgA, 3);
      const b = await appendChain(db, orgB, 2);
      expect(b.map((w) => w.seq)).toEqual([1, 2]);
      expect(await verifyAuditChain(db, orgA)).toEqual(intact(3));
      expect(await verifyAuditChain(db, orgB)).toEqual(intact(2));
    });
  });

  it('hashes what Postgres stores: an upper-case actor UUID, jsonb key order and awkward numbers', async () => {
    await withDb(async ({ db, orgA }) => {
      const actor = 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE';
      const detail = { zz: 1, a: { y: 1e21, x: 0.1 + 0.2, w: -0, v: 5e-324 }, 'a longer key': 'é \u2028 "quoted"' };
      await db.tenant({ orgId: orgA, userId: null }, (sql) => appendAudit(sql, { actorId: actor, action: 'x', outcome: 'success', detail }));
      const [entry] = await db.tenant({ orgId: orgA, userId: null }, (sql) => listAudit(sql, { limit: 1 }));
      expect(entry!.actorId).toBe(actor.toLowerCase());
      expect(await verifyAuditChain(db, orgA)).toEqual(intact(1));
    });
  });

  it('stores personal data beside the entry, sealed and unhashed, so erasing it keeps the chain verifiable', async () => {
    await withDb(async ({ db, orgA }) => {
      await appendChain(db, orgA, 6); // entries 3 and 6 carry personal data
      const ctx = { orgId: orgA, userId: null };
      const personal = await db.tenant(ctx, (sql) => readAuditPersonal(sql, [1, 2, 3, 4, 5, 6]));
      expect([...personal]).toEqual([
        [3, { email: 'user3@example.com', ip: '203.0.113.7' }],
        [6, { email: 'user6@example.com', ip: '203.0.113.7' }],
      ]);
      const stored = await db.tenant(ctx, (sql) => sql.query<{ data: unknown }>('select data from audit_personal'));
      expect(JSON.stringify(stored.rows)).not.toContain('example.com');
      const entries = await db.tenant(ctx, (sql) => listAudit(sql, { limit: 10 }));
      expect(JSON.stringify(entries)).not.toContain('example.com');

      const erased = await db.tenant(ctx, (sql) => sql.query('delete from audit_personal where seq = 3'));
      expect(erased.rowCount).toBe(1);
      expect(await verifyAuditChain(db, orgA)).toEqual(intact(6));
    });
  });

  it('a rolled-back transaction leaves no audit row, no personal row and no hole in the chain', async () => {
    await withDb(async ({ db, orgA }) => {
      const ctx = { orgId: orgA, userId: null };
      await appendChain(db, orgA, 1);
      await expect(
        db.tenant(ctx, async (sql) => {
          await appendAudit(sql, { ...sampleRecord(3), action: 'role.delete' });
          throw new Error('the audited change failed');
        }),
      ).rejects.toThrow('the audited change failed');
      const next = await db.tenant(ctx, (sql) => appendAudit(sql, sampleRecord(2)));
      expect(next.seq).toBe(2);
      const counts = await db.tenant(ctx, (sql) =>
        sql.query<{ events: number; personal: number; deletes: number }>(
          `select (select count(*)::int from audit_events) as events, (select count(*)::int from audit_personal) as personal,
                  (select count(*)::int from audit_events where action = 'role.delete') as deletes`,
        ),
      );
      expect(counts.rows[0]).toEqual({ events: 2, personal: 0, deletes: 0 });
      expect(await verifyAuditChain(db, orgA)).toEqual(intact(2));
    });
  });

  it('20 concurrent appends per org, in two orgs at once, form two contiguous verifiable chains', async () => {
    await withDb(
      async ({ db, orgA, orgB }) => {
        const append = (orgId: string, i: number) => db.tenant({ orgId, userId: null }, (sql) => appendAudit(sql, sampleRecord(i)));
        const written = await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 === 0 ? orgA : orgB, i)));
        const seqs = (org: number) =>
          written
            .filter((_, i) => i % 2 === org)
            .map((w) => w.seq)
            .sort((x, y) => x - y);
        const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
        expect(seqs(0)).toEqual(oneToTwenty);
        expect(seqs(1)).toEqual(oneToTwenty);
        expect(await verifyAuditChain(db, orgA)).toEqual(intact(20));
        expect(await verifyAuditChain(db, orgB)).toEqual(intact(20));
      },
      { poolSize: 10 },
    );
  });

  it('refuses to append outside an org, and writes nothing', async () => {
    await withDb(async ({ db }) => {
      await expect(db.tenant(noTenant, (sql) => appendAudit(sql, sampleRecord(1)))).rejects.toThrow(TypeError);
      const count = await db.owner((sql) => sql.query<{ n: number }>('select count(*)::int as n from audit_events'));
      expect(count.rows[0]!.n).toBe(0);
    });
  });
});
