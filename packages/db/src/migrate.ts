import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { APP_ROLE, type Database, type Sql } from './sql.ts';
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
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
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
