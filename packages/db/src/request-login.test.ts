import { describe, expect, it } from 'vitest';
import { openPgDatabase } from './pg-database.ts';
import { checkRequestLogin, RequestLoginProblem } from './request-login-check.ts';
import { APP_ROLE, pgErrorCode, type Database } from './sql.ts';
import { testDatabaseUrl, testDrivers, withTestDb, withThrowawayLogin } from './testing.ts';

async function seedRole(db: Database, org: string): Promise<void> {
  await db.owner((sql) =>
    sql.query(`insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5)`, [org]),
  );
}

/** Runs `fn` against the same schema with the request pool logging in through `appUrl`. */
async function withRequestLogin<T>(db: Database, appUrl: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const other = openPgDatabase({ ownerUrl: testDatabaseUrl!, appUrl, schema: db.schema, poolSize: 1 });
  try {
    return await fn(other);
  } finally {
    await other.close();
  }
}

// The attacker has SQL injection in one request: any statement, inside that request's
// transaction for org A. Whatever they try, they stay the app login and see only org A.
describe.runIf(testDatabaseUrl)('a request connection on PostgreSQL, under SQL injection', () => {
  it('cannot leave its login or switch row-level security off, and still sees no other org’s rows', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        await seedRole(db, orgA);
        await seedRole(db, orgB);
        const owner = (await db.owner((sql) => sql.query<{ name: string }>('select current_user as name'))).rows[0]!.name;
        const privileged = (
          await db.owner((sql) => sql.query<{ name: string }>('select rolname as name from pg_roles where rolsuper or rolbypassrls'))
        ).rows.map((r) => r.name);
        expect(privileged).toContain(owner); // the test server's owner login is a superuser: the worst case
        const attacks = [
          'reset role',
          'reset session authorization',
          'set role none',
          ...privileged.flatMap((r) => [
            `set role "${r}"`,
            `set local role "${r}"`,
            `set session authorization "${r}"`,
            `select set_config('role', '${r}', false)`,
            `select set_config('role', '${r}', true)`,
            `select set_config('session_authorization', '${r}', false)`,
            `grant "${r}" to current_user`,
          ]),
          'set row_security = off',
          'set session characteristics as transaction isolation level serializable',
          // A temporary table is searched before the schema unless search_path says otherwise.
          `create temp table roles as select * from "${db.schema}".roles limit 0`,
          'alter table roles no force row level security',
          'alter table roles disable row level security',
          `alter role ${APP_ROLE} bypassrls`,
          `alter role ${APP_ROLE} superuser`,
          'drop policy tenant_isolation on roles',
          `create or replace function remit_current_org() returns uuid language sql as $$ select '${orgB}'::uuid $$`,
        ];
        for (const attack of attacks) {
          const seen = await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
            await sql.query('savepoint attack');
            try {
              await sql.query(attack);
            } catch {
              await sql.query('rollback to savepoint attack');
            }
            const who = await sql.query<{ role: string; login: string; superuser: boolean }>(
              'select current_user as role, session_user as login, (select rolsuper from pg_roles where rolname = current_user) as superuser',
            );
            await sql.query('savepoint probe');
            let otherOrg: number | string;
            try {
              otherOrg = (await sql.query<{ n: number }>('select count(*)::int as n from roles where org_id = $1', [orgB])).rows[0]!.n;
            } catch (err) {
              // row_security = off makes a query that RLS would filter fail instead.
              otherOrg = pgErrorCode(err) ?? 'error';
              await sql.query('rollback to savepoint probe');
            }
            return { ...who.rows[0]!, otherOrg };
          });
          expect(seen, attack).toMatchObject({ role: APP_ROLE, login: APP_ROLE, superuser: false });
          expect([0, '42501'], attack).toContain(seen.otherOrg);
        }
        // And nothing an attack left on the pooled connection (row_security off, a session
        // setting, a temporary `roles`) reaches the next request: it sees org A's real row.
        const next = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
          sql.query<{ role: string; n: number; rs: string; iso: string }>(
            `select current_user as role, (select count(*)::int from roles) as n,
                    current_setting('row_security') as rs, current_setting('transaction_isolation') as iso`,
          ),
        );
        expect(next.rows[0]).toEqual({ role: APP_ROLE, n: 1, rs: 'on', iso: 'read committed' });
        const policy = await db.owner((sql) =>
          sql.query<{ forced: boolean }>(`select relforcerowsecurity as forced from pg_class where oid = 'roles'::regclass`),
        );
        expect(policy.rows[0]).toEqual({ forced: true });
      },
      { driver: 'postgres', poolSize: 1 },
    );
  });

  it('runs requests as the login itself: no SET ROLE that a RESET ROLE could undo', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const row = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
          sql.query<{ same: boolean; setting: string }>(`select current_user = session_user as same, current_setting('role') as setting`),
        );
        expect(row.rows[0]).toEqual({ same: true, setting: 'none' });
      },
      { driver: 'postgres' },
    );
  });
});

describe.each(testDrivers)('the request login check on %s', (driver) => {
  it('passes for the app role the migrations create', async () => {
    await withTestDb(
      async ({ db }) => {
        const report = await checkRequestLogin(db);
        expect(report).toEqual({ role: APP_ROLE, login: driver === 'pglite' ? 'postgres' : APP_ROLE, problems: [] });
      },
      { driver },
    );
  });
});

describe.runIf(testDatabaseUrl)('the request login check finds a login that could get past row-level security', () => {
  const cases: { name: string; attributes?: string; setup?: (login: string, schema: string) => string; expected: RequestLoginProblem[] }[] = [
    { name: 'a superuser', attributes: 'superuser', expected: [RequestLoginProblem.superuser] },
    { name: 'BYPASSRLS', attributes: 'bypassrls', setup: (l) => `grant ${APP_ROLE} to ${l}`, expected: [RequestLoginProblem.bypassRls] },
    { name: 'CREATEROLE', attributes: 'createrole', setup: (l) => `grant ${APP_ROLE} to ${l}`, expected: [RequestLoginProblem.createRole] },
    {
      name: 'the owner of a table',
      setup: (l, schema) => `grant ${APP_ROLE} to ${l}; create table "${schema}".mine (org_id uuid); alter table "${schema}".mine owner to ${l}`,
      expected: [RequestLoginProblem.ownsObjects],
    },
    {
      name: 'a member of the owner, even without inheriting from it',
      attributes: 'noinherit',
      setup: (l) => `grant ${APP_ROLE} to ${l}; do $$ begin execute format('grant %I to ${l}', current_user); end $$`,
      expected: [RequestLoginProblem.canBecome, RequestLoginProblem.missingGrants],
    },
    { name: 'a login without the app role’s grants', expected: [RequestLoginProblem.missingGrants] },
  ];
  it.each(cases)('$name', async ({ attributes, setup, expected }) => {
    await withTestDb(
      async ({ db }) => {
        await withThrowawayLogin({ ...(attributes ? { attributes } : {}), ...(setup ? { setup: (l) => setup(l, db.schema) } : {}) }, async (login) => {
          const report = await withRequestLogin(db, login.url, checkRequestLogin);
          expect(report.login).toBe(login.name);
          expect(report.problems.map((p) => p.code).sort()).toEqual([...expected].sort());
        });
      },
      { driver: 'postgres' },
    );
  });

  it('passes a separate login that is only an inheriting member of the app role (positive control)', async () => {
    await withTestDb(
      async ({ db }) => {
        await withThrowawayLogin({ attributes: 'inherit', setup: (l) => `grant ${APP_ROLE} to ${l}` }, async (login) => {
          expect((await withRequestLogin(db, login.url, checkRequestLogin)).problems).toEqual([]);
        });
      },
      { driver: 'postgres' },
    );
  });
});
