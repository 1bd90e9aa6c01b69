import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrate.ts';
import { requestLoginUrl } from './open-database.ts';
import { ensureOrg } from './orgs.ts';
import { openPgDatabase } from './pg-database.ts';
import { pgliteDatabase } from './pglite-database.ts';
import type { Database } from './sql.ts';

// For other packages' tests: the Postgres error codes they assert, the context that belongs to
// no tenant, and a direct pool for a worker in its own process.
export { PgErrorCode, noTenant, pgErrorCode } from './sql.ts';
export { openPgDatabase } from './pg-database.ts';

/**
 * Test databases: every test gets its own schema, so tests are parallel-safe on one server.
 * PGlite by default (one WASM instance per worker process, ~2 s to boot, shared); the real
 * server when TEST_DATABASE_URL is set, with migrations on that (owner) login and requests on
 * the app role's own login, exactly as a deployment runs.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

/**
 * The request login for tests: TEST_DATABASE_APP_URL, or the server's URL as remit_app with no
 * password, which a server trusting local logins (as .ci/run's does) accepts.
 */
export const testAppUrl = testDatabaseUrl ? process.env.TEST_DATABASE_APP_URL?.trim() || requestLoginUrl(testDatabaseUrl) : undefined;

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
    if (!testDatabaseUrl || !testAppUrl) throw new Error('TEST_DATABASE_URL is not set');
    const db = openPgDatabase({ ownerUrl: testDatabaseUrl, appUrl: testAppUrl, schema, poolSize: options.poolSize ?? 4 });
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
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
  const pglite = await sharedPglite;
  const inner = pgliteDatabase(pglite, schema);
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

/**
 * A throwaway login on the test server, for tests of a misconfigured request login: created
 * as `create role <name> login <attributes>`, then `setup(name)` (say, a GRANT) as the owner,
 * and always dropped with everything it owns. Roles are cluster-wide, so the name is random.
 */
export async function withThrowawayLogin<T>(
  options: { attributes?: string; setup?: (name: string) => string },
  fn: (login: { name: string; url: string }) => Promise<T>,
): Promise<T> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `remit_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`create role ${name} login ${options.attributes ?? ''}`);
    try {
      if (options.setup) await admin.query(options.setup(name));
      const url = new URL(testDatabaseUrl);
      url.username = name;
      url.password = '';
      return await fn({ name, url: url.toString() });
    } finally {
      await admin.query(`drop owned by ${name} cascade`);
      await admin.query(`drop role ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * A fresh schema name for code that migrates on its own (a CLI command, openRuntime); on the
 * test server the schema is always dropped afterwards, whatever `fn` left in it.
 */
export async function withTestSchema<T>(fn: (schema: string) => Promise<T>): Promise<T> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  try {
    return await fn(schema);
  } finally {
    if (testDatabaseUrl) {
      const admin = new pg.Client({ connectionString: testDatabaseUrl });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await admin.end();
      }
    }
  }
}
