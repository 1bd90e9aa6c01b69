import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { APP_ROLE, noTenant, pgErrorCode, PgErrorCode, type Database, type Sql } from './sql.ts';
import { quoteIdent } from './transaction-settings.ts';

const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies pending `migrations/*.sql` in name order, as the owner, in one transaction, under a
 * transaction-scoped advisory lock keyed by schema: two processes starting at once serialise,
 * and the second finds nothing left to do. Safe to run any number of times.
 */
export async function migrate(db: Database): Promise<MigrationReport> {
  const files = await migrationFiles();
  const schema = quoteIdent(db.schema);
  await db.owner(ensureAppRole);
  return db.owner(async (sql) => {
    await sql.query('select pg_advisory_xact_lock(hashtext($1))', [`remit.migrate.${db.schema}`]);
    await sql.query(`create schema if not exists ${schema}`);
    await sql.query(`grant usage on schema ${schema} to ${APP_ROLE}`);
    await sql.query(`create table if not exists ${schema}.schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await sql.query<{ name: string }>(`select name from ${schema}.schema_migrations`)).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const text = await readFile(migrationsDir + file, 'utf8');
      await sql.exec(text);
      await sql.query(`insert into ${schema}.schema_migrations (name) values ($1)`, [file]);
      applied.push(file);
    }
    return { applied, alreadyApplied: done.size };
  });
}

/**
 * The request login: LOGIN so the request pool connects as it directly, and nothing that could
 * lift row-level security (no SUPERUSER, BYPASSRLS or CREATEROLE, no role memberships).
 * NOINHERIT keeps a membership granted by mistake later from silently lending it privileges.
 * No password is set here: the operator sets one, or grants rds_iam, or trusts local logins.
 * An app role made NOLOGIN by an older release is switched to LOGIN; attributes that would
 * need a superuser to clear are left alone and reported by `remit doctor` instead.
 *
 * Roles are cluster-wide, so concurrent migrations of other schemas race here: a database-wide
 * advisory lock orders them within one database, and across databases the loser's
 * duplicate_object / unique_violation is the expected outcome, not an error. This runs in its
 * own short transaction so the lock is not held through the migration itself.
 */
async function ensureAppRole(sql: Sql): Promise<void> {
  await sql.query('select pg_advisory_xact_lock(hashtext($1))', ['remit.app_role']);
  await sql.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then
        create role ${APP_ROLE} login nosuperuser nobypassrls nocreaterole nocreatedb noreplication noinherit;
      elsif not (select rolcanlogin from pg_roles where rolname = '${APP_ROLE}') then
        alter role ${APP_ROLE} login;
      end if;
    exception when duplicate_object or unique_violation then null;
    end $$`);
}

async function migrationFiles(): Promise<string[]> {
  return (await readdir(migrationsDir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
}

/** undefined_table: the schema or schema_migrations does not exist yet. */
const UNDEFINED_TABLE = '42P01';

/**
 * The migrations this code ships that the schema lacks, asked as the request login (a
 * requests-only process has no other): empty when the schema is at this version or newer, all
 * of them when schema_migrations is missing or unreadable (migrated before 0010 granted it).
 * A newer schema passes, so a task still on the old release keeps serving while the next
 * release's migrations run.
 */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const files = await migrationFiles();
  let applied: Set<string>;
  try {
    const rows = await db.tenant(noTenant, (sql) => sql.query<{ name: string }>('select name from schema_migrations'));
    applied = new Set(rows.rows.map((r) => r.name));
  } catch (err) {
    const code = pgErrorCode(err);
    if (code === UNDEFINED_TABLE || code === PgErrorCode.insufficientPrivilege) return files;
    throw err;
  }
  return files.filter((f) => !applied.has(f));
}

/**
 * Sets remit_app's password, as the owner, so the request login in REMIT_DATABASE_APP_URL can
 * log in. The server receives a SCRAM-SHA-256 verifier, never the password: ALTER ROLE text
 * may be written to the server's statement log, and a verifier there cannot be replayed as a
 * password (this is what psql's \password sends).
 */
export async function setRequestLoginPassword(db: Database, password: string): Promise<void> {
  const verifier = scramVerifier(password, randomBytes(16), SCRAM_ITERATIONS);
  // The verifier is base64 and punctuation ('$', ':', '+', '/', '='): safe inside a literal.
  if (!/^[A-Za-z0-9+/=$:-]+$/.test(verifier)) throw new TypeError('unexpected character in the SCRAM verifier');
  await db.owner((sql) => sql.query(`alter role ${APP_ROLE} login password '${verifier}'`));
}

/** PostgreSQL's default for scram_iterations. */
const SCRAM_ITERATIONS = 4096;

/**
 * The verifier PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802 section 3, RFC 7677):
 * SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>. PostgreSQL applies SASLprep to the
 * password first, which leaves ASCII passwords unchanged; NFKC is the part of it that changes
 * ordinary non-ASCII text.
 */
export function scramVerifier(password: string, salt: Buffer, iterations: number): string {
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
