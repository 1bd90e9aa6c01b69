import { RemitError } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { createConnection, getConnectionRecord } from './connections.ts';
import { createRole, findRole, getRole } from './roles.ts';
import { testDrivers, withTestDb, type TestDatabase } from './testing.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof RemitError ? err.code : `not a RemitError: ${String(err)}`),
  );

const role = (name: string) => ({ name, description: '', connections: [], runKinds: ['review' as const], limits: { maxDurationSeconds: 60, maxSteps: 3 } });

describe.each(testDrivers)('names and ids on %s', (driver) => {
  const withDb = <T>(fn: (t: TestDatabase) => Promise<T>) => withTestDb(fn, { driver });

  it('the database itself refuses a UUID-shaped role or connection name, whoever writes it (name_looks_like_id)', async () => {
    await withDb(async ({ db, orgA }) => {
      const ctx = { orgId: orgA, userId: null };
      const other = await db.tenant(ctx, (sql) => createRole(sql, role('developer')));
      for (const name of [other.id, other.id.toUpperCase(), '00000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-00000000000f']) {
        expect(await codeOf(db.tenant(ctx, (sql) => createRole(sql, role(name)))), name).toBe('name_looks_like_id');
        const connection = {
          name,
          type: 'http' as const,
          description: '',
          authMode: 'service_account' as const,
          config: { baseUrl: 'https://example.com', auth: { scheme: 'none' as const }, verifyPath: '/', allowPrivateCidrs: [] },
        };
        expect(await codeOf(db.tenant(ctx, (sql) => createConnection(sql, connection))), name).toBe('name_looks_like_id');
      }
      const count = await db.owner((sql) =>
        sql.query<{ r: number; c: number }>('select (select count(*)::int from roles) r, (select count(*)::int from connections) c'),
      );
      expect(count.rows[0]).toEqual({ r: 1, c: 0 });
    });
  });

  it('a lookup by id never matches a name, and a lookup by name never matches an id', async () => {
    await withDb(async ({ db, orgA }) => {
      const ctx = { orgId: orgA, userId: null };
      const dev = await db.tenant(ctx, (sql) => createRole(sql, role('developer')));
      // A row written before names were checked, named like another row's id (the constraint
      // is NOT VALID so such a deployment still migrates; this is what it may hold).
      const legacy = await db.owner(async (sql) => {
        await sql.query('alter table roles drop constraint roles_name_not_id_shaped');
        const res = await sql.query<{ id: string }>(
          `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, $2, '{review}', 60, 3) returning id`,
          [orgA, dev.id],
        );
        await sql.query(
          `alter table roles add constraint roles_name_not_id_shaped check (name !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') not valid`,
        );
        return res.rows[0]!.id;
      });
      await db.tenant(ctx, async (sql) => {
        expect((await getRole(sql, { id: dev.id })).name).toBe('developer');
        expect((await findRole(sql, { name: dev.id }))?.id).toBe(legacy);
        expect(await findRole(sql, { name: legacy })).toBeUndefined();
        expect(await findRole(sql, { id: 'developer' })).toBeUndefined(); // no cast error, no match
        expect(await codeOf(getConnectionRecord(sql, { id: 'payments' }))).toBe('not_found');
      });
    });
  });
});
