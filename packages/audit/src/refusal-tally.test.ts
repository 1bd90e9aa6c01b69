import type { Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { readAuditPersonal, type PersonalDetails } from './personal-seal.ts';
import { RefusalTally, type Refusal } from './refusal-tally.ts';
import { verifyAuditChain } from './verify-audit-chain.ts';

const refusal = (over: Partial<Refusal> = {}): Refusal => ({
  action: 'auth.denied',
  reason: 'bad_signature',
  route: 'GET /v1/me',
  source: '203.0.113.9',
  actorId: null,
  requestId: 'req-1',
  ...over,
});

interface Row {
  action: string;
  request_id: string | null;
  detail: { reason: string; route: string; count: number };
  source: string;
}

async function rows(db: Database): Promise<Row[]> {
  const res = await db.owner((sql) =>
    sql.query<Omit<Row, 'source'> & { org_id: string; seq: number }>(`select org_id, seq, action, request_id, detail from audit_events order by seq`),
  );
  // The source is sealed (personal-seal.ts): opened in each org's own transaction.
  const opened = new Map<string, Map<number, PersonalDetails>>();
  for (const orgId of new Set(res.rows.map((r) => r.org_id))) {
    const seqs = res.rows.filter((r) => r.org_id === orgId).map((r) => Number(r.seq));
    opened.set(orgId, await db.tenant({ orgId, userId: null }, (sql) => readAuditPersonal(sql, seqs)));
  }
  return res.rows.map(
    ({ org_id, seq, ...row }) => ({ ...row, source: (opened.get(org_id)?.get(Number(seq)) as { source?: string } | undefined)?.source ?? null }) as Row,
  );
}

/** Waits until `n` entries are in the log without flushing: what an operator would see. */
async function untilRows(db: Database, n: number): Promise<Row[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = await rows(db);
    if (found.length >= n || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A database whose tenant transactions fail while `down` is set, and that counts them. */
function flaky(db: Database): { db: Database; state: { down: boolean; transactions: number } } {
  const state = { down: false, transactions: 0 };
  return {
    state,
    db: {
      ...db,
      tenant: (ctx, fn) => {
        state.transactions++;
        return state.down ? Promise.reject(new Error('connection refused')) : db.tenant(ctx, fn);
      },
    },
  };
}

const sum = (found: Row[]) => found.reduce((n, r) => n + r.detail.count, 0);

describe.each(testDrivers)('RefusalTally on %s', (driver) => {
  const withDb = <T>(fn: (t: { db: Database; orgA: string }) => Promise<T>) => withTestDb(fn, { driver });

  it('writes the first refusal of a key at once, folds 2,999 repeats into one entry, and the counts sum to 3,000', async () => {
    await withDb(async ({ db: plain, orgA }) => {
      const { db, state } = flaky(plain);
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000 });
      try {
        tally.record(refusal({ requestId: 'first' }));
        const first = await untilRows(plain, 1);
        expect(first).toEqual([
          {
            action: 'auth.denied',
            request_id: 'first',
            detail: expect.objectContaining({ reason: 'bad_signature', route: 'GET /v1/me', count: 1 }),
            source: '203.0.113.9',
          },
        ]);

        for (let i = 1; i < 3000; i++) tally.record(refusal({ requestId: `r${i}` }));
        expect(await rows(plain)).toHaveLength(1); // repeats wait for the window's end
        tally.endWindow();
        const all = await untilRows(plain, 2);
        expect(all).toHaveLength(2);
        expect(all[1]).toMatchObject({ request_id: null, detail: { count: 2999 } });
        expect(sum(all)).toBe(3000);
        // 3,000 refusals cost two transactions, so two takes of the audit lock.
        expect(state.transactions).toBe(2);
        expect(await verifyAuditChain(plain, orgA)).toMatchObject({ ok: true, checked: 2 });
      } finally {
        await tally.close();
      }
    });
  });

  it('keeps keys apart by source, reason, route and actor, and keeps the source out of the hashed entry', async () => {
    await withDb(async ({ db, orgA }) => {
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000 });
      const keys = [
        refusal(),
        refusal({ source: '198.51.100.1' }),
        refusal({ reason: 'expired' }),
        refusal({ route: 'unmatched' }),
        refusal({ action: 'authz.denied', actorId: '00000000-0000-4000-8000-000000000001' }),
      ];
      for (const k of keys) for (let i = 0; i < 5; i++) tally.record(k);
      await tally.close();
      const found = await rows(db);
      expect(found).toHaveLength(10); // one first entry and one repeat entry per key
      expect(sum(found)).toBe(25);
      const hashed = await db.owner((sql) => sql.query('select detail from audit_events'));
      expect(JSON.stringify(hashed.rows)).not.toContain('203.0.113.9');
    });
  });

  it('forgets a key quiet for a whole window, so its next refusal is written at once again', async () => {
    await withDb(async ({ db, orgA }) => {
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000 });
      try {
        tally.record(refusal());
        tally.record(refusal());
        tally.endWindow(); // queues the repeat
        tally.endWindow(); // the key was quiet: forgotten
        tally.record(refusal());
        const found = await untilRows(db, 3);
        expect(found.map((r) => r.detail.count)).toEqual([1, 1, 1]);
        expect(found[2]!.request_id).toBe('req-1'); // a first entry again, not a repeat
      } finally {
        await tally.close();
      }
    });
  });

  it('bounds the keys of a window: past maxKeys, new sources share one key and are still counted', async () => {
    await withDb(async ({ db, orgA }) => {
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000, maxKeys: 10 });
      for (let i = 0; i < 1000; i++) tally.record(refusal({ source: `10.0.${i >> 8}.${i & 255}` }));
      await tally.close();
      const found = await rows(db);
      expect(found.length).toBeLessThanOrEqual(12); // 10 sources, and the shared key's first and repeat entries
      expect(found.filter((r) => r.source === '*').map((r) => r.detail.count)).toEqual([1, 989]);
      expect(sum(found)).toBe(1000);
    });
  });

  it('loses no count at shutdown: close() writes what the window still holds', async () => {
    await withDb(async ({ db, orgA }) => {
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000 });
      for (let i = 0; i < 50; i++) tally.record(refusal());
      await tally.close();
      expect(sum(await rows(db))).toBe(50);
    });
  });

  it('keeps counts while the database refuses writes, folded into their keys, and writes them once it is back', async () => {
    await withDb(async ({ db: plain, orgA }) => {
      const { db, state } = flaky(plain);
      const errors: string[] = [];
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000, log: { error: (_f, m) => errors.push(m) } });
      state.down = true;
      for (let w = 0; w < 10; w++) {
        for (let i = 0; i < 40; i++) tally.record(refusal());
        tally.endWindow(); // each window's write fails, and its counts go back to the key
      }
      await expect(tally.flush()).rejects.toThrow('connection refused');
      expect(await rows(plain)).toEqual([]);
      state.down = false;
      await tally.close();
      const found = await rows(plain);
      expect(found).toHaveLength(1); // ten windows of failed writes did not pile up ten entries
      expect(sum(found)).toBe(400);
      expect(errors.length).toBeGreaterThan(0);
    });
  });

  it('when the database never comes back, close() puts the counts in the log instead of dropping them', async () => {
    await withDb(async ({ db: plain, orgA }) => {
      const { db, state } = flaky(plain);
      const logged: { fields: object; message: string }[] = [];
      const tally = new RefusalTally({ db, orgId: orgA, windowMs: 3_600_000, log: { error: (fields, message) => logged.push({ fields, message }) } });
      state.down = true;
      for (let i = 0; i < 7; i++) tally.record(refusal());
      await tally.close();
      const last = logged.at(-1)!;
      expect(last.message).toBe('refusal counts could not be written to the audit log');
      const unwritten = (last.fields as { unwritten: { count: number }[] }).unwritten;
      expect(unwritten.reduce((n, u) => n + u.count, 0)).toBe(7);
    });
  });
});
