import { testDrivers } from '@remit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsService, type PaymentsService } from '../demo/payments-service.ts';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

const READ_TOKEN = 'read-token-for-tests';
let payments: PaymentsService;
beforeAll(async () => {
  payments = await startPaymentsService({ readToken: READ_TOKEN, adminToken: 'admin-token-for-tests' });
});
afterAll(() => payments.close());

/** Reads a list to its end, `limit` at a time; returns the items and how many pages it took. */
async function readAll(t: TestApp, token: string, path: string, limit: number): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await t.request(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status, path).toBe(200);
    const page = (await res.json()) as Page;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe.each(testDrivers)('every list pages with limit and cursor on %s', (driver) => {
  it('roles, connections, bindings, budgets and audit: stable order, every item once, null cursor on the last page', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const post = async (path: string, json: unknown) => expect((await t.request(path, { method: 'POST', token: admin, json })).status, path).toBe(201);
        const roleNames = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
        for (const name of roleNames) await post('/v1/admin/roles', { name, runKinds: ['troubleshoot'] });
        for (const name of ['payments-c', 'payments-a', 'payments-b']) {
          await post('/v1/admin/connections', {
            name,
            type: 'http',
            config: { baseUrl: payments.url, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
            secret: { token: READ_TOKEN },
          });
        }
        for (const role of ['bravo', 'alpha']) {
          await post('/v1/admin/bindings', { role, subject: { kind: 'group', group: 'g2' } });
          await post('/v1/admin/bindings', { role, subject: { kind: 'group', group: 'g1' } });
          await post('/v1/admin/bindings', { role, subject: { kind: 'user', email: 'a@example.com' } });
        }
        const put = async (json: unknown) => expect((await t.request('/v1/admin/budgets', { method: 'PUT', token: admin, json })).status).toBe(200);
        await put({ scope: 'org', monthlyCapUsd: 100 });
        for (const role of ['alpha', 'charlie', 'echo']) await put({ scope: 'role', role, monthlyCapUsd: 10 });

        for (const limit of [1, 2, 3, 100]) {
          const roles = await readAll(t, admin, '/v1/admin/roles', limit);
          expect(roles.items.map((r) => r.name)).toEqual([...roleNames].sort());
          expect(roles.pages).toBe(Math.ceil(roleNames.length / limit));

          const connections = await readAll(t, admin, '/v1/admin/connections', limit);
          expect(connections.items.map((c) => c.name)).toEqual(['payments-a', 'payments-b', 'payments-c']);

          const bindings = await readAll(t, admin, '/v1/admin/bindings', limit);
          expect(bindings.items.map((b) => `${String(b.role)} ${JSON.stringify(b.subject)}`)).toEqual([
            'alpha {"kind":"group","group":"g1"}',
            'alpha {"kind":"group","group":"g2"}',
            'alpha {"kind":"user","email":"a@example.com"}',
            'bravo {"kind":"group","group":"g1"}',
            'bravo {"kind":"group","group":"g2"}',
            'bravo {"kind":"user","email":"a@example.com"}',
          ]);

          const budgets = await readAll(t, admin, '/v1/admin/budgets', limit);
          expect(budgets.items.map((b) => b.role ?? 'org').sort()).toEqual(['alpha', 'charlie', 'echo', 'org']);
          expect(budgets.items[0]).toMatchObject({ scope: 'org', role: null, monthlyCapUsd: 100 });

          const audit = await readAll(t, admin, '/v1/audit', limit);
          const seqs = audit.items.map((e) => e.seq as number);
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          expect(seqs.length).toBe(5 + 3 + 6 + 4);
        }

        // The deprecated audit paging still works, and says where it ended.
        const old = (await (await t.request('/v1/audit?after=2&limit=3', { token: admin })).json()) as Page & { next: number | null };
        expect(old.items.map((e) => e.seq)).toEqual([3, 4, 5]);
        expect(old.next).toBe(5);
        const end = (await (await t.request('/v1/audit?after=10&limit=100', { token: admin })).json()) as Page & { next: number | null };
        expect(end).toMatchObject({ next: null, nextCursor: null });
        expect(await errorOf(await t.request(`/v1/audit?after=1&cursor=${old.nextCursor}`, { token: admin }))).toMatchObject({ status: 400 });
      },
      { driver },
    );
  });

  it('refuses a malformed or foreign cursor on every list with 400 invalid_cursor', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        for (const name of ['alpha', 'bravo']) await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name, runKinds: ['troubleshoot'] } });
        const rolesCursor = ((await (await t.request('/v1/admin/roles?limit=1', { token: admin })).json()) as Page).nextCursor!;
        const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const lists = ['/v1/runs', '/v1/admin/connections', '/v1/admin/bindings', '/v1/admin/budgets', '/v1/audit', '/v1/usage'];
        const cursors = { junk: 'x!', 'not JSON': forge('x').slice(2), 'a roles cursor': rolesCursor, 'an object': forge({ list: 'runs' }), null: forge(null) };
        for (const path of lists) {
          for (const [name, cursor] of Object.entries(cursors)) {
            expect(await errorOf(await t.request(`${path}?cursor=${encodeURIComponent(cursor)}`, { token: admin })), `${path} ${name}`).toMatchObject({
              status: 400,
              code: 'invalid_cursor',
            });
          }
        }
        expect(await errorOf(await t.request(`/v1/admin/roles?cursor=${forge(['roles', 42])}`, { token: admin }))).toMatchObject({ code: 'invalid_cursor' });
        for (const limit of ['0', '501', 'x', '1.5']) {
          expect(await errorOf(await t.request(`/v1/admin/roles?limit=${limit}`, { token: admin })), limit).toMatchObject({
            status: 400,
            code: 'validation_failed',
          });
        }
      },
      { driver },
    );
  });

  it('usage: groupBy (group_by still accepted), highest cost first, pages pinned to one window', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        // Five models; two cost the same, so the key breaks the tie. One call is still reserved (not spend).
        await t.db.owner(async (sql) => {
          const call = `insert into model_calls (org_id, model, input_tokens, cost_usd, status, at) values ($1, $2, 10, $3, $4, now() - interval '1 minute')`;
          for (const [model, cost] of [
            ['m-c', 0.3],
            ['m-a', 0.2],
            ['m-b', 0.2],
            ['m-d', 0.000001],
            ['m-e', 0.5],
          ] as const) {
            await sql.query(call, [t.orgId, model, cost, 'settled']);
          }
          await sql.query(call, [t.orgId, 'm-f', 9, 'reserved']);
        });
        const all = await readAll(t, admin, '/v1/usage?groupBy=model', 2);
        expect(all.items.map((r) => r.key)).toEqual(['m-e', 'm-c', 'm-a', 'm-b', 'm-d']);
        expect(all.pages).toBe(3);

        const old = (await (await t.request('/v1/usage?group_by=model', { token: admin })).json()) as Page & { groupBy: string };
        expect(old.groupBy).toBe('model');
        expect(old.items.map((r) => r.key)).toEqual(['m-e', 'm-c', 'm-a', 'm-b', 'm-d']);
        expect(((await (await t.request('/v1/usage', { token: admin })).json()) as { groupBy: string }).groupBy).toBe('model');
        expect(await errorOf(await t.request('/v1/usage?groupBy=role&group_by=user', { token: admin }))).toMatchObject({
          status: 400,
          code: 'validation_failed',
        });
        expect(await errorOf(await t.request('/v1/usage?groupBy=team', { token: admin }))).toMatchObject({ status: 400, code: 'validation_failed' });

        // A later page keeps the first page's window and grouping, even without repeating them.
        const first = (await (await t.request('/v1/usage?groupBy=model&limit=2', { token: admin })).json()) as Page & { from: string; to: string };
        await t.db.owner((sql) => sql.query(`insert into model_calls (org_id, model, cost_usd, status) values ($1, 'm-late', 1, 'settled')`, [t.orgId]));
        const second = (await (await t.request(`/v1/usage?limit=2&cursor=${first.nextCursor}`, { token: admin })).json()) as Page & {
          from: string;
          to: string;
        };
        expect([second.from, second.to]).toEqual([first.from, first.to]);
        expect(second.items.map((r) => r.key)).toEqual(['m-a', 'm-b']);
        expect(await errorOf(await t.request(`/v1/usage?groupBy=role&cursor=${first.nextCursor}`, { token: admin }))).toMatchObject({
          status: 400,
          code: 'invalid_cursor',
        });
      },
      { driver },
    );
  });
});
