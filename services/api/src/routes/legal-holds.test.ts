import { runRetentionPass } from '@remit/agents';
import { verifyAuditChain } from '@remit/audit';
import { upsertUser } from '@remit/db';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const HOLDS = '/v1/admin/legal-holds';

async function userId(t: TestApp, sub: string, orgId = t.orgId): Promise<string> {
  return t.db.tenant({ orgId, userId: null }, async (sql) => (await upsertUser(sql, { sub, email: `${sub}@example.com` })).id);
}

async function auditRows(t: TestApp) {
  return t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    const res = await sql.query<{ action: string; targetId: string; detail: Record<string, unknown>; personal: Record<string, unknown> | null }>(
      `select e.action, e.target_id as "targetId", e.detail, p.data as personal
         from audit_events e left join audit_personal p using (org_id, seq) where e.action like 'legal_hold.%' order by e.seq`,
    );
    return res.rows;
  });
}

describe('legal holds API', () => {
  it('places, lists and releases a hold, audited, with the reason kept out of the hashed detail', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const carol = await userId(t, 'carol');

      const created = await t.request(HOLDS, { method: 'POST', token: admin, json: { subject: { type: 'user', id: carol }, reason: '  Matter 17: carol  ' } });
      expect(created.status).toBe(201);
      const hold = (await created.json()) as { id: string; subject: unknown; reason: string; setBy: string; releasedAt: string | null };
      expect(hold).toMatchObject({ subject: { type: 'user', id: carol }, reason: 'Matter 17: carol', releasedAt: null });
      expect(hold.setBy).toMatch(/^[0-9a-f-]{36}$/);

      const listed = (await (await t.request(HOLDS, { token: admin })).json()) as { items: { id: string }[]; nextCursor: string | null };
      expect(listed).toEqual({ items: [expect.objectContaining({ id: hold.id })], nextCursor: null });

      const released = await t.request(`${HOLDS}/${hold.id}`, { method: 'DELETE', token: admin });
      expect(released.status).toBe(200);
      expect(await released.json()).toMatchObject({ id: hold.id, releasedAt: expect.any(String), releasedBy: hold.setBy });
      expect(await errorOf(await t.request(`${HOLDS}/${hold.id}`, { method: 'DELETE', token: admin }))).toMatchObject({
        status: 409,
        code: 'legal_hold_released',
      });

      expect(((await (await t.request(HOLDS, { token: admin })).json()) as { items: unknown[] }).items).toEqual([]);
      const all = (await (await t.request(`${HOLDS}?released=include`, { token: admin })).json()) as { items: { id: string }[] };
      expect(all.items.map((h) => h.id)).toEqual([hold.id]);

      expect(await auditRows(t)).toEqual([
        { action: 'legal_hold.set', targetId: hold.id, detail: { subjectType: 'user', subjectId: carol }, personal: expect.any(Object) },
        { action: 'legal_hold.release', targetId: hold.id, detail: { subjectType: 'user', subjectId: carol }, personal: null },
      ]);
      // The reason sits beside the entry (erasable), never in the hashed detail.
      expect(JSON.stringify((await auditRows(t)).map((r) => r.detail))).not.toContain('Matter 17');
      expect(await verifyAuditChain(t.db, t.orgId)).toMatchObject({ ok: true });
    });
  });

  it('pages newest first with a cursor', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const ids: string[] = [];
      for (const sub of ['u1', 'u2', 'u3']) {
        const res = await t.request(HOLDS, { method: 'POST', token: admin, json: { subject: { type: 'user', id: await userId(t, sub) }, reason: 'r' } });
        ids.push(((await res.json()) as { id: string }).id);
      }
      const first = (await (await t.request(`${HOLDS}?limit=2`, { token: admin })).json()) as { items: { id: string }[]; nextCursor: string };
      const second = (await (await t.request(`${HOLDS}?limit=2&cursor=${first.nextCursor}`, { token: admin })).json()) as {
        items: { id: string }[];
        nextCursor: string | null;
      };
      expect([...first.items, ...second.items].map((h) => h.id)).toEqual([...ids].reverse());
      expect(second.nextCursor).toBeNull();
      expect(await errorOf(await t.request(`${HOLDS}?cursor=${Buffer.from('["runs","x"]').toString('base64url')}`, { token: admin }))).toMatchObject({
        status: 400,
        code: 'invalid_cursor',
      });
    });
  });

  it('refuses non-admins and anonymous callers before reading or writing anything', async () => {
    await withTestApp(async (t) => {
      const dev = await t.tokenFor({ email: 'dev@example.com' });
      const carol = await userId(t, 'carol');
      const body = { subject: { type: 'user', id: carol }, reason: 'mine now' };
      for (const [method, path] of [
        ['GET', HOLDS],
        ['POST', HOLDS],
        ['DELETE', `${HOLDS}/00000000-0000-4000-8000-000000000001`],
      ] as const) {
        const init = method === 'POST' ? { method, json: body } : { method };
        expect(await errorOf(await t.request(path, { ...init, token: dev })), `${method} as developer`).toMatchObject({ status: 403, code: 'forbidden' });
        expect(await errorOf(await t.request(path, init)), `${method} anonymous`).toMatchObject({ status: 401, code: 'missing_token' });
      }
      const count = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query(`select 1 from legal_holds`));
      expect(count.rows).toEqual([]);
    });
  });

  it('answers bad input with a clear 4xx and writes nothing', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const carol = await userId(t, 'carol');
      const otherOrgUser = await t.db.owner(async (sql) => {
        const org = (await sql.query<{ org_id: string }>(`select org_id from orgs where org_id <> $1 limit 1`, [t.orgId])).rows[0]!.org_id;
        return (await sql.query<{ id: string }>(`insert into users (org_id, sub) values ($1, 'elsewhere') returning id`, [org])).rows[0]!.id;
      });
      const cases: [unknown, number, string][] = [
        [{ subject: { type: 'user', id: carol } }, 400, 'validation_failed'],
        [{ subject: { type: 'user', id: carol }, reason: '   ' }, 400, 'validation_failed'],
        [{ subject: { type: 'user', id: carol }, reason: 'x'.repeat(1001) }, 400, 'validation_failed'],
        [{ subject: { type: 'org', id: carol }, reason: 'r' }, 400, 'validation_failed'],
        [{ subject: { type: 'user', id: 'carol' }, reason: 'r' }, 400, 'validation_failed'],
        [{ subject: { type: 'user', id: carol, email: 'c@x' }, reason: 'r' }, 400, 'unknown_field'],
        [{ subject: { type: 'user', id: carol }, reason: 'r', releasedAt: '2020-01-01T00:00:00Z' }, 400, 'unknown_field'],
        [{ subject: { type: 'user', id: '00000000-0000-4000-8000-000000000009' }, reason: 'r' }, 422, 'unknown_reference'],
        [{ subject: { type: 'run', id: carol }, reason: 'r' }, 422, 'unknown_reference'],
        // Another org's user is as unknown as one that never existed.
        [{ subject: { type: 'user', id: otherOrgUser }, reason: 'r' }, 422, 'unknown_reference'],
      ];
      for (const [json, status, code] of cases) {
        expect(await errorOf(await t.request(HOLDS, { method: 'POST', token: admin, json })), JSON.stringify(json)).toMatchObject({ status, code });
      }
      expect(await errorOf(await t.request(`${HOLDS}/not-an-id`, { method: 'DELETE', token: admin }))).toMatchObject({ status: 400 });
      expect(await errorOf(await t.request(`${HOLDS}/00000000-0000-4000-8000-000000000001`, { method: 'DELETE', token: admin }))).toMatchObject({
        status: 404,
        code: 'not_found',
      });
      expect(await errorOf(await t.request(`${HOLDS}?released=maybe`, { token: admin }))).toMatchObject({ status: 400 });
      const written = await t.db.owner((sql) => sql.query(`select 1 from legal_holds`));
      expect(written.rows).toEqual([]);
      expect(await auditRows(t)).toEqual([]);
    });
  });

  it('a hold placed through the API keeps a run’s transcript through a retention pass', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const run = await t.db.owner(async (sql) => {
        const role = (
          await sql.query<{ id: string }>(
            `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5) returning id`,
            [t.orgId],
          )
        ).rows[0]!.id;
        return (
          await sql.query<{ id: string }>(
            `insert into runs (org_id, kind, role_id, trigger, input, status, finished_at) values ($1, 'troubleshoot', $2, '{}', 'keep me', 'succeeded', now() - interval '200 days') returning id`,
            [t.orgId, role],
          )
        ).rows[0]!.id;
      });
      expect((await t.request(HOLDS, { method: 'POST', token: admin, json: { subject: { type: 'run', id: run }, reason: 'r' } })).status).toBe(201);
      const periods = { transcripts: 90, modelCalls: 90, webhookDeliveries: 90, logs: 90 };
      expect((await runRetentionPass({ db: t.db, orgId: t.orgId }, { periods }, new Date())).counts.runs).toBe(0);
      const input = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query<{ input: string }>(`select input from runs where id = $1`, [run]));
      expect(input.rows).toEqual([{ input: 'keep me' }]);
    });
  });
});
