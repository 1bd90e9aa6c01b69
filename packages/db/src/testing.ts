import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrate.ts';
import { requestLoginUrl } from './open-database.ts';
import { ensureOrg } from './orgs.ts';
import { openPgDatabase } from './pg-database.ts';
import { pgliteDatabase } from './pglite-database.ts';
import { PgErrorCode, pgErrorCode, type Database } from './sql.ts';

// For other packages' tests: the Postgres error codes they assert, the context that belongs to
// no tenant, and a direct pool for a worker in its own process.
export { PgErrorCode, noTenant, pgErrorCode } from './sql.ts';
export { openPgDatabase } from './pg-database.ts';
export { paymentsSnapshot } from './fixtures/payments-graph.ts';

/**
 * Test databases: every test gets its own schema, so tests are parallel-safe on one server.
 * PGlite by default (one WASM instance per worker process, shared; see PGLITE_TEMPLATE_ENV);
 * the real server when TEST_DATABASE_URL is set, with migrations on that (owner) login and
 * requests on the app role's own login, exactly as a deployment runs.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

/**
 * The request login for tests: TEST_DATABASE_APP_URL, or the server's URL as remit_app with no
 * password, which a server trusting local logins (as .ci/run's does) accepts.
 */
export const testAppUrl = testDatabaseUrl ? process.env.TEST_DATABASE_APP_URL?.trim() || requestLoginUrl(testDatabaseUrl) : undefined;

let sharedPglite: Promise<PGlite> | undefined;

/**
 * A file holding a freshly initialised PGlite cluster (writePgliteTemplate), which the test
 * run's global setup names here: each test process then boots its shared instance from it in
 * ~0.6 s instead of running initdb again (~4 s on a busy 2-core machine, measured), the same
 * cluster either way.
 */
export const PGLITE_TEMPLATE_ENV = 'REMIT_TEST_PGLITE_TEMPLATE';

/** Writes a dump of a freshly initialised PGlite cluster to `path`, for PGLITE_TEMPLATE_ENV. */
export async function writePgliteTemplate(path: string): Promise<void> {
  const pglite = await PGlite.create();
  try {
    await writeFile(path, new Uint8Array(await (await pglite.dumpDataDir('gzip')).arrayBuffer()));
  } finally {
    await pglite.close();
  }
}

async function openSharedPglite(): Promise<PGlite> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  return PGlite.create({ parsers: { 20: Number }, ...(template ? { loadDataDir: new Blob([await readFile(template)]) } : {}) });
}

/**
 * Closes the process's shared PGlite instance: for a process that is done with test databases
 * and should exit (`remit eval run`), which an open instance would otherwise keep alive.
 */
export async function closeSharedTestDatabase(): Promise<void> {
  const open = sharedPglite;
  sharedPglite = undefined;
  if (open) await (await open).close();
}

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
          await dropSchemaRetryingDeadlocks(db, schema);
        } finally {
          await db.close();
        }
      },
    };
  }
  sharedPglite ??= openSharedPglite();
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

/**
 * Drops a test's schema. A test may end while the app it ran still finishes a request in that
 * schema (a stream the browser let go of, a worker's last write): DROP ... CASCADE locks every
 * table in turn, the other transaction locks two of them in another order, and the server
 * breaks the tie by failing one of them with a deadlock. Ours is the one to try again.
 */
async function dropSchemaRetryingDeadlocks(db: Database, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.owner((sql) => sql.query(`drop schema if exists "${schema}" cascade`));
      return;
    } catch (err) {
      if (pgErrorCode(err) !== PgErrorCode.deadlockDetected || attempt >= 5) throw err;
      await sleep(50 * attempt);
    }
  }
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
