import { noTenant, type Database } from './sql.ts';

/** Why a request login could reach rows that row-level security should hide. */
export const RequestLoginProblem = {
  superuser: 'request_login_superuser',
  bypassRls: 'request_login_bypassrls',
  createRole: 'request_login_createrole',
  ownsObjects: 'request_login_owns_objects',
  canBecome: 'request_login_can_become_privileged_role',
  missingGrants: 'request_login_missing_grants',
} as const;
export type RequestLoginProblem = (typeof RequestLoginProblem)[keyof typeof RequestLoginProblem];

interface RequestLoginFinding {
  code: RequestLoginProblem;
  detail: string;
}

interface RequestLoginReport {
  /** The role request transactions run as. */
  role: string;
  /** The login behind it; differs from `role` only on PGlite, which switches role per transaction. */
  login: string;
  problems: RequestLoginFinding[];
}

interface ReachableRole {
  name: string;
  self: boolean;
  superuser: boolean;
  bypassrls: boolean;
  createrole: boolean;
  server_access: boolean;
  owns: string[];
}

/**
 * Inspects the login the request pool really connects as (asked over that pool, so a wrong
 * REMIT_DATABASE_APP_URL cannot hide behind a right one) and lists every way it could get past
 * row-level security: superuser, BYPASSRLS, CREATEROLE (which can grant itself other roles),
 * owning anything (an owner may switch RLS off), or membership in any role with one of those,
 * since membership is what SET ROLE needs. Members of the server-file and program roles are
 * refused too: reading the data files is a way around any policy. Also reports a login that
 * lacks the app role's grants, which would fail every request instead.
 *
 * On PGlite the check covers the role each request transaction switches to; its superuser
 * session is the embedded, single-process exception documented in pglite-database.ts.
 */
export async function checkRequestLogin(db: Database): Promise<RequestLoginReport> {
  return db.tenant(noTenant, async (sql) => {
    const who = await sql.query<{ role: string; login: string }>('select current_user as role, session_user as login');
    const { role, login } = who.rows[0]!;
    const subject = db.driver === 'pglite' ? role : login;
    // pg_has_role(…, 'MEMBER') is true for the role itself and for every role it may SET ROLE
    // to, directly or through other roles, whether or not it inherits their privileges.
    const reachable = await sql.query<ReachableRole>(
      `select r.rolname as name, r.rolname = $1 as self, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
              r.rolcreaterole as createrole,
              r.rolname in ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files') as server_access,
              array(
                select format('%s %I.%I', case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view'
                                                         when 'm' then 'view' when 'S' then 'sequence' else 'relation' end,
                              n.nspname, c.relname)
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and n.nspname !~ '^pg_(toast_)?temp_'
                union all
                select format('schema %I', n.nspname) from pg_namespace n
                 where n.nspowner = r.oid and n.nspname !~ '^pg_(toast_)?temp_' and n.nspname <> 'pg_catalog' and n.nspname <> 'information_schema'
                union all
                select format('function %I.%I', n.nspname, p.proname)
                  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where p.proowner = r.oid and n.nspname not in ('pg_catalog', 'information_schema')
                union all
                select format('database %I', d.datname) from pg_database d where d.datdba = r.oid and d.datname = current_database()
                order by 1 limit 5
              ) as owns
         from pg_roles r
        where pg_has_role($1, r.oid, 'MEMBER')
        order by r.rolname = $1 desc, r.rolname`,
      [subject],
    );
    const problems: RequestLoginFinding[] = [];
    // A superuser counts as a member of every role; naming each of them would add nothing.
    const superuser = reachable.rows.some((r) => r.self && r.superuser);
    for (const r of reachable.rows) {
      if (superuser && !r.self) continue;
      const powers = [
        r.superuser && 'SUPERUSER',
        r.bypassrls && 'BYPASSRLS',
        r.createrole && 'CREATEROLE',
        r.server_access && 'server file or program access',
        r.owns.length > 0 && `owns ${r.owns.join(', ')}`,
      ].filter((p): p is string => typeof p === 'string');
      if (!r.self) {
        if (powers.length) problems.push({ code: RequestLoginProblem.canBecome, detail: `${subject} can SET ROLE ${r.name}, which has ${powers.join('; ')}` });
        continue;
      }
      if (r.superuser) problems.push({ code: RequestLoginProblem.superuser, detail: `${subject} is a superuser` });
      if (r.bypassrls) problems.push({ code: RequestLoginProblem.bypassRls, detail: `${subject} has BYPASSRLS` });
      if (r.createrole) problems.push({ code: RequestLoginProblem.createRole, detail: `${subject} has CREATEROLE` });
      if (r.owns.length) problems.push({ code: RequestLoginProblem.ownsObjects, detail: `${subject} owns ${r.owns.join(', ')}` });
    }
    const grants = await sql.query<{ ok: boolean }>(
      `select coalesce(has_schema_privilege($1, (select oid from pg_namespace where nspname = $2), 'USAGE')
                       and has_table_privilege($1, to_regclass(format('%I.runs', $2::text)), 'SELECT, INSERT, UPDATE, DELETE'), false) as ok`,
      [subject, db.schema],
    );
    if (!grants.rows[0]?.ok) {
      problems.push({
        code: RequestLoginProblem.missingGrants,
        detail: `${subject} cannot use the tables in ${db.schema}: log in as remit_app, or grant remit_app to it with INHERIT`,
      });
    }
    return { role, login, problems };
  });
}
