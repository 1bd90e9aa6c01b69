import { APP_ROLE, noTenant, type Database } from './sql.ts';

interface RlsViolation {
  object: string;
  problem: string;
}

/**
 * Reads the catalog and lists every way the schema breaks the tenancy rules: a table without
 * RLS enabled and forced, a table without a policy, anything owned by the app role, an app
 * role that can bypass RLS, or a view that runs with its owner's rights. Asked as the request
 * login, as a tenant of no org: the catalog is readable by every login, and a requests-only
 * process has no other.
 */
export async function checkRls(db: Database): Promise<RlsViolation[]> {
  return db.tenant(noTenant, async (sql) => {
    const violations: RlsViolation[] = [];
    const tables = await sql.query<{ name: string; enabled: boolean; forced: boolean; policies: number }>(
      `select c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations'`,
      [db.schema],
    );
    for (const t of tables.rows) {
      if (!t.enabled) violations.push({ object: t.name, problem: 'row level security is not enabled' });
      if (!t.forced) violations.push({ object: t.name, problem: 'row level security is not forced' });
      if (t.policies === 0) violations.push({ object: t.name, problem: 'has no policy' });
    }
    const owned = await sql.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = $1
       union all select n.nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = $1
       union all select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = $1`,
      [APP_ROLE],
    );
    for (const o of owned.rows) violations.push({ object: o.name, problem: `owned by ${APP_ROLE}` });
    const role = await sql.query<{ rolsuper: boolean; rolbypassrls: boolean }>('select rolsuper, rolbypassrls from pg_roles where rolname = $1', [APP_ROLE]);
    const r = role.rows[0];
    if (!r) violations.push({ object: APP_ROLE, problem: 'role does not exist' });
    else if (r.rolsuper || r.rolbypassrls) violations.push({ object: APP_ROLE, problem: 'can bypass row level security' });
    const views = await sql.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('v', 'm')
          and not coalesce(c.reloptions @> array['security_invoker=true'] or c.reloptions @> array['security_invoker=on'], false)`,
      [db.schema],
    );
    for (const v of views.rows) violations.push({ object: v.name, problem: 'view without security_invoker' });
    return violations;
  });
}
