import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from './migrate.ts';
import { ensureOrg } from './orgs.ts';
import { openPgDatabase } from './pg-database.ts';
import { pgliteDatabase } from './pglite-database.ts';
import { APP_ROLE, type Database } from './sql.ts';

/**
 * Test databases: every test gets its own schema, so tests are parallel-safe on one server.
 * PGlite by default (one WASM instance per worker process, ~2 s to boot, shared); the real
 * server when TEST_DATABASE_URL is set, with requests on a login role that owns nothing.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const TEST_LOGIN_ROLE = 'remit_test_login';

let sharedPglite: Promise<PGlite> | undefined;

export interface TestDatabase {
  db: Database;
  orgA: string;
  orgB: string;
}

export type TestDriver = 'pglite' | 'postgres';

/** The drivers a suite should cover: PGlite always, the real server when it is configured. */
export const testDrivers: TestDriver[] = testDatabaseUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabaseOptions {
  driver?: TestDriver;
  poolSize?: number;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<{ db: Database; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const driver = options.driver ?? (testDatabaseUrl ? 'postgres' : 'pglite');
  if (driver === 'postgres') {
    if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
    await ensureLoginRole(testDatabaseUrl);
    const appUrl = new URL(testDatabaseUrl);
    appUrl.username = TEST_LOGIN_ROLE;
    appUrl.password = '';
    const db = openPgDatabase({ appUrl: appUrl.toString(), ownerUrl: testDatabaseUrl, schema, poolSize: options.poolSize ?? 4 });
    await migrate(db);
    return {
      db,
      drop: async () => {
        try {
          await db.owner((sql) => sql.query(`drop schema if exists "${schema}" cascade`));
        } finally {
          await db.close();
        }
      },
    };
  }
  sharedPglite ??= PGlite.create({ parsers: { 20: Number } });
  const pg = await sharedPglite;
  const inner = pgliteDatabase(pg, schema);
  const db: Database = { ...inner, close: () => inner.notifications.close() }; // the instance outlives each test
  await migrate(db);
  return {
    db,
    drop: async () => {
      await inner.notifications.close();
      await db.owner((sql) => sql.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

/** Runs `fn` with a fresh migrated schema holding two orgs, and always drops it. */
export async function withTestDb<T>(fn: (t: TestDatabase) => Promise<T>, options: TestDatabaseOptions = {}): Promise<T> {
  const { db, drop } = await createTestDatabase(options);
  try {
    const { orgId: orgA } = await ensureOrg(db, 'org-a');
    const { orgId: orgB } = await ensureOrg(db, 'org-b');
    return await fn({ db, orgA, orgB });
  } finally {
    await drop();
  }
}

let loginRoleReady: Promise<void> | undefined;

/** A LOGIN role that is only a member of the app role, like a production service account. */
function ensureLoginRole(url: string): Promise<void> {
  loginRoleReady ??= (async () => {
    const db = openPgDatabase({ appUrl: url, schema: 'public', poolSize: 1 });
    try {
      await db.owner((sql) =>
        sql.exec(`do $$ begin
          if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then
            create role ${APP_ROLE} nologin nosuperuser nobypassrls noinherit;
          end if;
          if not exists (select 1 from pg_roles where rolname = '${TEST_LOGIN_ROLE}') then
            create role ${TEST_LOGIN_ROLE} login nosuperuser nobypassrls noinherit;
          end if;
          grant ${APP_ROLE} to ${TEST_LOGIN_ROLE};
        exception when duplicate_object or unique_violation then null;
        end $$`),
      );
    } finally {
      await db.close();
    }
  })();
  return loginRoleReady;
}
