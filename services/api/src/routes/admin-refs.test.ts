import { randomUUID } from 'node:crypto';
import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const ID_SHAPE = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;

async function counts(t: TestApp): Promise<unknown> {
  const res = await t.db.owner((sql) =>
    sql.query(
      `select (select count(*)::int from roles) r, (select count(*)::int from connections) c, (select count(*)::int from role_bindings) b, (select count(*)::int from audit_events) a`,
    ),
  );
  return res.rows[0];
}

/**
 * Rows a deployment may hold from before names were checked: named like a UUID. Written by
 * the owner with the constraint lifted for the insert, as an old release would have.
 */
async function legacyRows(t: TestApp, name: string): Promise<{ roleId: string; connectionId: string }> {
  return t.db.owner(async (sql) => {
    await sql.query('alter table roles drop constraint roles_name_not_id_shaped');
    await sql.query('alter table connections drop constraint connections_name_not_id_shaped');
    const role = await sql.query<{ id: string }>(
      `insert into roles (org_id, name, description, run_kinds, max_duration_seconds, max_steps) values ($1, $2, 'legacy', '{review}', 60, 3) returning id`,
      [t.orgId, name],
    );
    const connection = await sql.query<{ id: string }>(
      `insert into connections (org_id, name, type, description, auth_mode, config) values ($1, $2, 'http', 'legacy', 'service_account', '{"baseUrl":"https://example.com"}') returning id`,
      [t.orgId, name],
    );
    await sql.query(`alter table roles add constraint roles_name_not_id_shaped check (name !~* ${ID_SHAPE}) not valid`);
    await sql.query(`alter table connections add constraint connections_name_not_id_shaped check (name !~* ${ID_SHAPE}) not valid`);
    return { roleId: role.rows[0]!.id, connectionId: connection.rows[0]!.id };
  });
}

describe.each(testDrivers)('names and ids in admin paths on %s', (driver) => {
  it('a role, connection or binding naming a role by another role’s id is 422 name_looks_like_id, and nothing is written', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const dev = (await (
          await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['review'] } })
        ).json()) as { id: string };
        const before = await counts(t);
        for (const name of [dev.id, dev.id.toUpperCase(), 'a0000000-0000-0000-0000-000000000000']) {
          const attempts = {
            role: t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name, runKinds: ['review'] } }),
            connection: t.request('/v1/admin/connections', {
              method: 'POST',
              token: admin,
              json: { name, type: 'http', config: { baseUrl: 'https://example.com' } },
            }),
            binding: t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: name, subject: { kind: 'group', group: 'g' } } }),
            'role naming a connection': t.request('/v1/admin/roles', {
              method: 'POST',
              token: admin,
              json: { name: 'ops', runKinds: ['review'], connections: [name] },
            }),
          };
          for (const [what, res] of Object.entries(attempts)) {
            expect(await errorOf(await res), `${what} ${name}`).toMatchObject({ status: 422, code: 'name_looks_like_id' });
          }
        }
        expect(await counts(t)).toEqual(before);
      },
      { driver },
    );
  });

  it('GET, PATCH and DELETE by a UUID look up ids only: a row named like that UUID is never reached through it', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const name = randomUUID();
        const legacy = await legacyRows(t, name);
        for (const resource of ['roles', 'connections']) {
          const path = `/v1/admin/${resource}/${name}`;
          expect(await errorOf(await t.request(path, { token: admin })), `GET ${path}`).toMatchObject({ status: 404, code: 'not_found' });
          expect(await errorOf(await t.request(path, { method: 'PATCH', token: admin, json: { description: 'changed' } })), `PATCH ${path}`).toMatchObject({
            status: 404,
            code: 'not_found',
          });
          expect(await errorOf(await t.request(path, { method: 'DELETE', token: admin })), `DELETE ${path}`).toMatchObject({ status: 404, code: 'not_found' });
        }
        // Untouched, and still reachable by their own ids.
        const role = (await (await t.request(`/v1/admin/roles/${legacy.roleId}`, { token: admin })).json()) as { name: string; description: string };
        expect(role).toMatchObject({ name, description: 'legacy' });
        const connection = (await (await t.request(`/v1/admin/connections/${legacy.connectionId}`, { token: admin })).json()) as {
          name: string;
          description: string;
        };
        expect(connection).toMatchObject({ name, description: 'legacy' });
      },
      { driver },
    );
  });

  it('a role named like another role’s id cannot shadow it: the id always wins', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const dev = (await (
          await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['review'] } })
        ).json()) as { id: string };
        await legacyRows(t, dev.id);
        expect(await (await t.request(`/v1/admin/roles/${dev.id}`, { token: admin })).json()).toMatchObject({ id: dev.id, name: 'developer' });
        const patched = await t.request(`/v1/admin/roles/${dev.id}`, { method: 'PATCH', token: admin, json: { description: 'by id' } });
        expect(await patched.json()).toMatchObject({ id: dev.id, name: 'developer', description: 'by id' });
      },
      { driver },
    );
  });
});
