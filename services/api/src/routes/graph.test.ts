import fc from 'fast-check';
import { saveGraphSnapshot, type Database } from '@remit/db';
import { paymentsSnapshot, testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

/**
 * Two GitHub connections: payments-repo, reached by the payments-dev role (bound to the
 * `payments` group), and web-repo, reached by web-dev (bound to wendy@example.com). Three
 * indexed repositories: acme/payments (payments-repo), acme/web (web-repo) and local/payments
 * (a local path: admins only).
 */
async function seedGraph(t: TestApp): Promise<{ webId: string }> {
  const connections = await t.db.owner(async (sql) => {
    const one = async (text: string, params: unknown[]) => (await sql.query<{ id: string }>(text, params)).rows[0]!.id;
    const conn = (name: string) =>
      one(`insert into connections (org_id, name, type, auth_mode, config) values ($1, $2, 'github', 'service_account', '{}') returning id`, [t.orgId, name]);
    const role = (name: string) =>
      one(`insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, $2, '{troubleshoot}', 60, 5) returning id`, [
        t.orgId,
        name,
      ]);
    const payments = await conn('payments-repo');
    const web = await conn('web-repo');
    const paymentsDev = await role('payments-dev');
    const webDev = await role('web-dev');
    await sql.query('insert into role_connections (org_id, role_id, connection_id) values ($1, $2, $3), ($1, $4, $5)', [
      t.orgId,
      paymentsDev,
      payments,
      webDev,
      web,
    ]);
    await sql.query(
      `insert into role_bindings (org_id, role_id, subject_kind, subject) values ($1, $2, 'group', 'payments'), ($1, $3, 'user', 'wendy@example.com')`,
      [t.orgId, paymentsDev, webDev],
    );
    return { payments, web };
  });
  await saveGraphSnapshot(t.db, t.orgId, { connectionId: connections.payments, snapshot: paymentsSnapshot() });
  const web = await saveGraphSnapshot(t.db, t.orgId, { connectionId: connections.web, snapshot: { ...paymentsSnapshot(), repository: 'acme/web' } });
  await saveGraphSnapshot(t.db, t.orgId, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });
  return { webId: web.repositoryId };
}

const enc = encodeURIComponent;

async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function graphRowCount(db: Database): Promise<number> {
  const res = await db.owner((sql) =>
    sql.query<{ n: number }>(
      'select (select count(*) from graph_symbols) + (select count(*) from graph_edges) + (select count(*) from graph_repositories) as n',
    ),
  );
  return Number(res.rows[0]!.n);
}

describe.each(testDrivers)('graph API on %s', (driver) => {
  it('answers symbols, callers, callees, dependencies, owners and the service map, paged', async () => {
    await withTestApp(
      async (t) => {
        await seedGraph(t);
        const pat = await t.tokenFor({ email: 'pat@example.com', groups: ['payments'] });
        const repo = `/v1/graph/repositories/${enc('acme/payments')}`;

        const first = await body<{ items: { name: string; id: string }[]; nextCursor: string }>(await t.request(`${repo}/symbols?limit=2`, { token: pat }));
        expect(first.items.map((s) => s.name)).toEqual(['Ledger', 'charge']);
        const second = await body<{ items: { name: string }[]; nextCursor: string | null }>(
          await t.request(`${repo}/symbols?limit=2&cursor=${first.nextCursor}`, { token: pat }),
        );
        expect(second).toMatchObject({ items: [{ name: 'handle' }, { name: 'ledger' }], nextCursor: null });
        expect((await body<{ items: unknown[] }>(await t.request(`${repo}/symbols?q=charge&match=exact&kind=method`, { token: pat }))).items).toEqual([
          expect.objectContaining({ id: 'src/ledger.ts#Ledger.charge', signature: 'charge(amount: number): Promise<void>', doc: 'Charges the card on file.' }),
        ]);
        expect((await body<{ items: unknown[] }>(await t.request(`${repo}/symbols?q=charge&kind=class`, { token: pat }))).items).toEqual([]);

        const charge = `${repo}/symbols/${enc('src/ledger.ts#Ledger.charge')}`;
        const callers = await body<{ symbol: { name: string }; items: { from: string; resolved: boolean }[]; nextCursor: string }>(
          await t.request(`${charge}/callers?limit=1`, { token: pat }),
        );
        expect(callers).toMatchObject({ symbol: { name: 'charge' }, items: [{ from: 'src/server.ts#handle', resolved: true }] });
        const more = await body<{ items: { resolved: boolean }[]; nextCursor: string | null }>(
          await t.request(`${charge}/callers?limit=1&cursor=${callers.nextCursor}`, { token: pat }),
        );
        expect(more).toMatchObject({ items: [{ resolved: false }], nextCursor: null });
        const callees = await body<{ items: { to: string }[] }>(await t.request(`${repo}/symbols/${enc('src/server.ts#handle')}/callees`, { token: pat }));
        expect(callees.items.map((c) => c.to)).toEqual(['src/ledger.ts#Ledger.charge', 'ledger.charge', 'fetch']);

        expect(await body(await t.request(`${repo}/modules/${enc('src/ledger.ts')}/dependencies`, { token: pat }))).toMatchObject({
          repository: 'acme/payments',
          module: 'src/ledger.ts',
          imports: [],
          importedBy: [{ path: 'src/server.ts', to: 'src/ledger.ts#Ledger' }],
          truncated: false,
        });
        expect(await body(await t.request(`${repo}/owners/${enc('src/ledger.ts')}`, { token: pat }))).toMatchObject({
          rule: { pattern: '/src/ledger.ts', owners: ['@acme/ledger'] },
        });
        expect(await body(await t.request('/v1/graph/service-map', { token: pat }))).toEqual({
          items: [expect.objectContaining({ repository: 'acme/payments', routes: [expect.objectContaining({ method: 'POST', target: '/charges' })] })],
          nextCursor: null,
        });

        const admin = await t.adminToken();
        const all = await body<{ items: { name: string; connection: string | null }[] }>(await t.request('/v1/graph/repositories', { token: admin }));
        expect(all.items.map((r) => [r.name, r.connection])).toEqual([
          ['acme/payments', 'payments-repo'],
          ['acme/web', 'web-repo'],
          ['local/payments', null],
        ]);
        const paged = await body<{ items: { repository: string }[]; nextCursor: string }>(await t.request('/v1/graph/service-map?limit=2', { token: admin }));
        expect(paged.items.map((s) => s.repository)).toEqual(['acme/payments', 'acme/web']);
        const rest = await body<{ items: { repository: string }[] }>(
          await t.request(`/v1/graph/service-map?limit=2&cursor=${paged.nextCursor}`, { token: admin }),
        );
        expect(rest.items.map((s) => s.repository)).toEqual(['local/payments']);
      },
      { driver },
    );
  });

  it('scoping, as an attacker: a user reads only repositories their roles reach; by name, by id, through every route, with a forged cursor', async () => {
    await withTestApp(
      async (t) => {
        const { webId } = await seedGraph(t);
        const pat = await t.tokenFor({ email: 'pat@example.com', groups: ['payments'] });
        const nobody = await t.tokenFor({ email: 'nobody@example.com' });
        const wendy = await t.tokenFor({ email: 'Wendy@Example.com' });
        const names = async (token: string) =>
          (await body<{ items: { name: string }[] }>(await t.request('/v1/graph/repositories', { token }))).items.map((r) => r.name);
        expect(await names(pat)).toEqual(['acme/payments']);
        expect(await names(wendy)).toEqual(['acme/web']);
        expect(await names(nobody)).toEqual([]);

        const web = `/v1/graph/repositories/${enc('acme/web')}`;
        for (const path of [
          `${web}/symbols`,
          `${web}/symbols?q=charge&match=exact`,
          `/v1/graph/repositories/${webId}/symbols`,
          `/v1/graph/repositories/${enc('local/payments')}/symbols`,
          `${web}/symbols/${enc('src/ledger.ts#Ledger.charge')}/callers`,
          `${web}/symbols/${enc('src/server.ts#handle')}/callees`,
          `${web}/modules/${enc('src/ledger.ts')}/dependencies`,
          `${web}/owners/${enc('src/ledger.ts')}`,
          `/v1/graph/service-map?repository=${enc('acme/web')}`,
          `/v1/graph/service-map?repository=${webId}`,
        ]) {
          expect(await errorOf(await t.request(path, { token: pat })), path).toMatchObject({ status: 404, code: 'not_found' });
        }
        // A cursor made by hand to start just before acme/web still reads under pat's scope.
        const forged = Buffer.from(JSON.stringify(['graph-services', 'acme/p~'])).toString('base64url');
        expect(await body(await t.request(`/v1/graph/service-map?cursor=${forged}`, { token: pat }))).toEqual({ items: [], nextCursor: null });
        const forgedRepos = Buffer.from(JSON.stringify(['graph-repositories', ''])).toString('base64url');
        expect(await names(pat)).toEqual(['acme/payments']);
        expect((await body<{ items: unknown[] }>(await t.request(`/v1/graph/repositories?cursor=${forgedRepos}`, { token: pat }))).items).toHaveLength(1);
        // Another list's cursor is refused, not misread.
        const other = Buffer.from(JSON.stringify(['graph-symbols', 'a', 'b'])).toString('base64url');
        expect(await errorOf(await t.request(`/v1/graph/service-map?cursor=${other}`, { token: pat }))).toMatchObject({ status: 400, code: 'invalid_cursor' });
        expect(await errorOf(await t.request('/v1/graph/repositories'))).toMatchObject({ status: 401 });
      },
      { driver },
    );
  });

  it('never answers 500 to any path or query parameter (fast-check), and writes nothing', async () => {
    await withTestApp(
      async (t) => {
        await seedGraph(t);
        const admin = await t.adminToken();
        const before = await graphRowCount(t.db);
        const text = fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'grapheme', maxLength: 20 }),
          fc.constantFrom('acme/payments', 'src/ledger.ts#Ledger.charge', 'src/ledger.ts', '..', '../etc/passwd', '/abs', 'a\\b', '%', '#', '?', ''),
          fc.string({ maxLength: 2000 }),
        );
        const param = fc.oneof(text, fc.integer().map(String), fc.constantFrom('-1', '0', '1e9', '1.5', 'NaN'));
        const routes = ['symbols', 'callers', 'callees', 'dependencies', 'owners', 'service-map', 'repositories'] as const;
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...routes),
            text,
            text,
            fc.dictionary(fc.constantFrom('q', 'kind', 'match', 'limit', 'cursor', 'repository', 'perKind', 'x'), param, { maxKeys: 4 }),
            async (route, a, b, query) => {
              const repo = `/v1/graph/repositories/${enc(a)}`;
              const path = {
                symbols: `${repo}/symbols`,
                callers: `${repo}/symbols/${enc(b)}/callers`,
                callees: `${repo}/symbols/${enc(b)}/callees`,
                dependencies: `${repo}/modules/${enc(b)}/dependencies`,
                owners: `${repo}/owners/${enc(b)}`,
                'service-map': '/v1/graph/service-map',
                repositories: '/v1/graph/repositories',
              }[route];
              const res = await t.request(`${path}?${new URLSearchParams(query).toString()}`, { token: admin });
              expect(res.status, `${path} ${JSON.stringify(query)}: ${await res.clone().text()}`).toBeLessThan(500);
              if (res.status >= 400) expect((await errorOf(res)).code).toMatch(/^[a-z_]+$/);
            },
          ),
          { numRuns: 300 },
        );
        expect(await graphRowCount(t.db)).toBe(before);
      },
      { driver },
    );
  }, 120_000);
});
