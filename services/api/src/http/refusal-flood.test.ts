import { readAuditPersonal } from '@remit/audit';
import { defaultHttpLimits } from '@remit/core';
import type { Database, Sql } from '@remit/db';
import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const ATTACKER = '203.0.113.66';
const FORGED = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA';
const { capacity, refillPerSecond } = defaultHttpLimits.invalidTokensPerSource;

/** Counts the app's transactions, and those that append to the audit log (each takes the org's audit lock). */
function counting(db: Database) {
  const seen = { transactions: 0, auditAppends: 0 };
  const wrapped: Database = {
    ...db,
    tenant: (ctx, fn) => {
      seen.transactions++;
      return db.tenant(ctx, (sql) => {
        let appended = false;
        const spy: Sql = {
          ...sql,
          query: (text, params) => {
            if (!appended && /^\s*insert into audit_events/i.test(text)) {
              appended = true;
              seen.auditAppends++;
            }
            return sql.query(text, params);
          },
        };
        return fn(spy);
      });
    },
  };
  return { wrapped, seen };
}

async function deniedRows(t: TestApp) {
  await t.refusals.flush();
  return t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    const res = await sql.query<{ seq: number; reason: string; route: string; count: number }>(
      `select seq, detail->>'reason' as reason, detail->>'route' as route, (detail->>'count')::int as count
         from audit_events where action = 'auth.denied' order by seq`,
    );
    // The source is sealed beside the entry (personal-seal.ts).
    const personal = await readAuditPersonal(
      sql,
      res.rows.map((r) => Number(r.seq)),
    );
    return res.rows.map(({ seq, ...r }) => ({ ...r, source: (personal.get(Number(seq)) as { source: string }).source }));
  });
}

describe.each(testDrivers)('a flood of bad tokens on %s', (driver) => {
  it('3,000 bad tokens from one address: 429 past the bucket, a handful of audit rows whose counts sum to 3,000, no per-request database work, and an admin write that never queues behind it', async () => {
    let counters: ReturnType<typeof counting>['seen'] | undefined;
    const frozen = new Date('2026-11-23T10:00:00Z'); // no refill during the flood: exact numbers
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        expect((await t.request('/v1/me', { token: admin, from: '198.51.100.7' })).status).toBe(200);
        const before = { ...counters! };

        const statuses: number[] = [];
        let adminWrite: Response | undefined;
        let auditAppendsBeforeAdminWrite = 0;
        for (let batch = 0; batch < 30; batch++) {
          const sent = Array.from({ length: 100 }, () => t.request('/v1/me', { token: FORGED, from: ATTACKER }));
          if (batch === 15) {
            auditAppendsBeforeAdminWrite = counters!.auditAppends - before.auditAppends;
            adminWrite = await t.request('/v1/admin/roles', {
              method: 'POST',
              token: admin,
              from: '198.51.100.7',
              json: { name: 'dev', runKinds: ['review'] },
            });
          }
          for (const res of await Promise.all(sent)) {
            statuses.push(res.status);
            if (res.status === 429) {
              expect(res.headers.get('retry-after')).toBe(String(Math.ceil(1 / refillPerSecond)));
              expect((await errorOf(res)).code).toBe('too_many_invalid_tokens');
            } else {
              expect(await errorOf(res)).toMatchObject({ status: 401, code: 'invalid_token' });
            }
          }
        }

        // The first burst's in-flight requests were checked (at least the bucket's capacity, at
        // most the 100 sent at once); every later one was refused before its token was read.
        const checked = statuses.filter((s) => s === 401).length;
        expect(checked).toBeGreaterThanOrEqual(capacity);
        expect(checked).toBeLessThanOrEqual(100);
        expect(statuses.filter((s) => s === 429)).toHaveLength(3000 - checked);

        // The admin's write went through, behind at most the tally's couple of appends, not 1,500.
        expect(adminWrite!.status).toBe(201);
        expect(auditAppendsBeforeAdminWrite).toBeLessThanOrEqual(2);
        // Besides the admin's two (its user upsert and its write), the flood cost three
        // transactions in all, the tally's: refused requests never touch the database themselves.
        expect(counters!.transactions - before.transactions - 2).toBeLessThanOrEqual(3);

        const rows = await deniedRows(t);
        expect(rows.length).toBeLessThanOrEqual(4); // first + repeats, for bad_signature and for rate_limited
        expect(rows.reduce((n, r) => n + r.count, 0)).toBe(3000);
        expect(rows.every((r) => r.source === ATTACKER && r.route === 'GET /v1/me')).toBe(true);
        expect(rows.filter((r) => r.reason === 'rate_limited').reduce((n, r) => n + r.count, 0)).toBe(3000 - checked);

        // Another address is unaffected: its bad token is still checked (401), its good one works.
        expect(await errorOf(await t.request('/v1/me', { token: FORGED, from: '198.51.100.99' }))).toMatchObject({ status: 401, code: 'invalid_token' });
        expect((await t.request('/v1/me', { token: admin, from: '198.51.100.99' })).status).toBe(200);
        // The flooding address is refused before its token is looked at, even a good one.
        expect(await errorOf(await t.request('/v1/me', { token: admin, from: ATTACKER }))).toMatchObject({ status: 429, code: 'too_many_invalid_tokens' });
      },
      {
        driver,
        now: () => frozen,
        wrapDb: (db) => {
          const c = counting(db);
          counters = c.seen;
          return c.wrapped;
        },
      },
    );
  });

  it('valid tokens cost nothing: 200 sent at once from one address (users behind one proxy) all get through', async () => {
    await withTestApp(
      async (t) => {
        const token = await t.tokenFor({ email: 'alice@example.com' });
        const all = await Promise.all(Array.from({ length: 200 }, () => t.request('/v1/me', { token, from: ATTACKER })));
        expect(all.map((r) => r.status)).toEqual(Array(200).fill(200));
      },
      { driver },
    );
  });

  it('the address may try again once the bucket refills (Retry-After is honest)', async () => {
    let now = new Date('2026-11-23T10:00:00Z');
    await withTestApp(
      async (t) => {
        for (let i = 0; i < capacity; i++) await t.request('/v1/me', { token: FORGED, from: ATTACKER });
        const limited = await t.request('/v1/me', { token: FORGED, from: ATTACKER });
        expect(limited.status).toBe(429);
        const wait = Number(limited.headers.get('retry-after'));
        now = new Date(now.getTime() + (wait - 1) * 1000);
        expect((await t.request('/v1/me', { token: FORGED, from: ATTACKER })).status).toBe(429);
        now = new Date(now.getTime() + 1000);
        expect((await t.request('/v1/me', { token: FORGED, from: ATTACKER })).status).toBe(401);
      },
      { driver, now: () => now },
    );
  });

  it('every refused token is counted whatever the path: unknown routes, unmatched methods, odd characters, IPv6 sources', async () => {
    await withTestApp(
      async (t) => {
        const attempts: [string, RequestInit & { from?: string }][] = [
          ['/v1/nothing/here', {}],
          ['/v1/admin/roles/no-such-role', {}],
          ['/v1/runs/00000000-0000-4000-8000-000000000000/events', {}],
          ['/v1/admin/roles', { method: 'PUT' }],
          ['/v1/%E2%98%83/%2e%2e/%2F', {}],
          [`/v1/${'x'.repeat(5000)}`, {}],
          ['/v1/me', { from: '2001:db8:1:2:3:4:5:6' }],
          ['/v1/me', { from: '2001:db8:1:2:ffff::9' }], // same /64: the same source
          ['/v1/me', { from: '::ffff:192.0.2.1' }],
        ];
        for (const [path, init] of attempts) {
          const res = await t.request(path, { ...init, token: 'not-a-jwt' });
          expect(await errorOf(res), path.slice(0, 60)).toMatchObject({ status: 401, code: 'invalid_token' });
        }
        expect(await errorOf(await t.request('/v1/other', {}))).toMatchObject({ status: 401, code: 'missing_token' });
        const rows = await deniedRows(t);
        expect(rows.reduce((n, r) => n + r.count, 0)).toBe(attempts.length + 1);
        // Routes are templates or "unmatched", never the path the caller chose.
        expect(new Set(rows.map((r) => r.route))).toEqual(new Set(['unmatched', 'GET /v1/admin/roles/:ref', 'GET /v1/runs/:id/events', 'GET /v1/me']));
        expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['unknown', '2001:db8:1:2::/64', '192.0.2.1']));
      },
      { driver },
    );
  });
});
