import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from './database-error.ts';
import { pendingMigrations, scramVerifier, setRequestLoginPassword } from './migrate.ts';
import { openDatabase } from './open-database.ts';
import { allowOrgLookup, ensureOrg, findOrgId } from './orgs.ts';
import { APP_ROLE, noTenant, type Database } from './sql.ts';
import { testAppUrl, testDatabaseUrl, testDrivers, withTestDb, withTestSchema, withThrowawayLogin } from './testing.ts';

/** The same schema opened as a requests-only process would open it: the request login alone. */
async function withRequestsOnly<T>(schema: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: '/nonexistent', appUrl: testAppUrl!, schema, poolSize: 1 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.each(testDrivers)('what the request login may learn at start-up, on %s', (driver) => {
  it('reads the schema version: nothing pending once migrated', async () => {
    await withTestDb(async ({ db }) => expect(await pendingMigrations(db)).toEqual([]), { driver });
  });

  it('finds only the org `remit migrate` opened to it, by slug, and never another org’s id or row', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        expect(await findOrgId(db, 'org-a')).toBeUndefined(); // created, but not opened
        expect(await allowOrgLookup(db, 'org-a')).toBe(true);
        expect(await findOrgId(db, 'org-a')).toBe(orgA);
        for (const slug of ['org-b', 'no-such-org', '', "org-a' or true --", '%']) expect(await findOrgId(db, slug), slug).toBeUndefined();
        expect(await allowOrgLookup(db, 'no-such-org')).toBe(false);
        // Inside org A's own transaction, the function still returns the id alone, and the table
        // still shows org A's row only.
        const seen = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
          sql.query<{ slug: string }>('select slug from orgs union all select slug from orgs where org_id = $1', [orgB]),
        );
        expect(seen.rows).toEqual([{ slug: 'org-a' }]);
      },
      { driver },
    );
  });

  it('cannot open an org to itself, nor call the lookup with a search_path of its choosing', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const attempts = [
          `update orgs set lookup_by_slug = true where slug = 'org-b'`,
          `create or replace function remit_org_id(p_slug text) returns uuid language sql as $$ select '${orgA}'::uuid $$`,
          `alter function remit_org_id(text) reset search_path`,
        ];
        for (const attack of attempts) {
          await expect(
            db.tenant({ orgId: orgA, userId: null }, (sql) => sql.query(attack)),
            attack,
          ).rejects.toThrow();
        }
        expect(await findOrgId(db, 'org-b')).toBeUndefined();
        // A temporary `orgs` that claims every slug does not stand in for the real one.
        const shadowed = await db.tenant(noTenant, async (sql) => {
          await sql.query(`create temp table orgs as select '${orgA}'::uuid as org_id, 'org-b'::text as slug, true as lookup_by_slug`);
          await sql.query(`select set_config('search_path', 'pg_temp, ' || current_setting('search_path'), true)`);
          return (await sql.query<{ id: string | null }>(`select remit_org_id('org-b') as id`)).rows[0]!.id;
        });
        expect(shadowed).toBeNull();
      },
      { driver },
    );
  });
});

describe.runIf(testDatabaseUrl)('a requests-only database (REMIT_DATABASE_APP_URL without DATABASE_URL)', () => {
  it('opens no owner pool: owner() rejects with the typed error, requests still run as remit_app', async () => {
    await withTestDb(
      async ({ db: migrated }) => {
        await withRequestsOnly(migrated.schema, async (db) => {
          const owner = db.owner((sql) => sql.query('select 1'));
          await expect(owner).rejects.toBeInstanceOf(DatabaseError);
          await expect(owner).rejects.toMatchObject({ code: 'owner_unavailable', message: expect.stringContaining('remit migrate') });
          const who = await db.tenant(noTenant, (sql) => sql.query<{ login: string }>('select session_user as login'));
          expect(who.rows[0]).toEqual({ login: APP_ROLE });
          expect(await pendingMigrations(db)).toEqual([]);
        });
      },
      { driver: 'postgres' },
    );
  });

  it('reports every migration pending on a schema nobody migrated', async () => {
    await withTestSchema((schema) =>
      withRequestsOnly(schema, async (db) => {
        const pending = await pendingMigrations(db);
        expect(pending[0]).toBe('0001_foundation.sql');
        expect(pending).toContain('0010_requests_only.sql');
      }),
    );
  });

  it('reports the schema behind when schema_migrations lacks the newest migration', async () => {
    await withTestDb(
      async ({ db }) => {
        await db.owner((sql) => sql.query(`delete from schema_migrations where name = '0010_requests_only.sql'`));
        expect(await pendingMigrations(db)).toEqual(['0010_requests_only.sql']);
      },
      { driver: 'postgres' },
    );
  });

  it('refuses an unreachable request login naming REMIT_DATABASE_APP_URL, not DATABASE_URL', async () => {
    const nowhere = new URL(testAppUrl!);
    nowhere.port = '1';
    nowhere.password = 'secret-never-shown';
    const opening = openDatabase({ dataDir: '/nonexistent', appUrl: nowhere.toString(), schema: 'remit', poolSize: 1 });
    await expect(opening).rejects.toMatchObject({ code: 'database_unreachable', message: expect.stringContaining('(REMIT_DATABASE_APP_URL)') });
    await expect(opening).rejects.not.toThrow('secret-never-shown');
  });
});

describe.runIf(testDatabaseUrl)('the request login’s password', () => {
  it('is stored as the SCRAM-SHA-256 verifier PostgreSQL itself computes (known answer from the server)', async () => {
    await withThrowawayLogin({}, (login) =>
      asAdmin(async (admin) => {
        const password = `pw-${randomBytes(4).toString('hex')}'"\\$ ü`;
        await admin.query(`set password_encryption = 'scram-sha-256'`);
        await admin.query(`alter role ${login.name} password ${admin.escapeLiteral(password)}`);
        const stored = (await admin.query<{ p: string }>('select rolpassword as p from pg_authid where rolname = $1', [login.name])).rows[0]!.p;
        const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
        expect(scramVerifier(password, Buffer.from(salt!, 'base64'), Number(iterations))).toBe(stored);
      }),
    );
  });

  it('is set on remit_app by setRequestLoginPassword as a verifier, so the statement never carries the password', async () => {
    await withTestDb(
      async ({ db }) =>
        asAdmin(async (admin) => {
          const read = async () =>
            (await admin.query<{ p: string | null }>('select rolpassword as p from pg_authid where rolname = $1', [APP_ROLE])).rows[0]!.p;
          const before = await read();
          try {
            const password = `pw-${randomBytes(8).toString('hex')}`;
            await setRequestLoginPassword(db, password);
            const stored = (await read())!;
            const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
            expect(scramVerifier(password, Buffer.from(salt!, 'base64'), Number(iterations))).toBe(stored);
          } finally {
            // Roles are cluster-wide: give other tests the password remit_app had.
            await admin.query(`alter role ${APP_ROLE} password ${before === null ? 'null' : admin.escapeLiteral(before)}`);
          }
        }),
      { driver: 'postgres' },
    );
  });
});

describe('ensureOrg then allowOrgLookup, as `remit migrate` runs them', () => {
  it('makes the org findable by the request login', async () => {
    await withTestDb(async ({ db }) => {
      const { orgId } = await ensureOrg(db, 'deployed');
      await allowOrgLookup(db, 'deployed');
      expect(await findOrgId(db, 'deployed')).toBe(orgId);
    });
  });
});
