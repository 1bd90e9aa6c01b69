import { describe, expect, it } from 'vitest';
import { checkRls } from './rls-check.ts';
import { APP_ROLE, pgErrorCode, type Database, type Sql, type TenantContext } from './sql.ts';
import { testDrivers, withTestDb, type TestDatabase, type TestDatabaseOptions } from './testing.ts';

/** Parents seeded per org by the owner, so app-side inserts have something to point at. */
interface Seeded {
  org: string;
  user: string;
  role: string;
  connection: string;
  run: string;
  graphRepository: string;
  insightJob: string;
  finding: string;
}

async function seed(db: Database, org: string): Promise<Seeded> {
  return db.owner(async (sql) => {
    const one = async (text: string, params: unknown[]) => (await sql.query<{ id: string }>(text, params)).rows[0]!.id;
    const user = await one(`insert into users (org_id, sub, email) values ($1::uuid, 'sub-' || $1::text, 'u@example.com') returning id`, [org]);
    const role = await one(
      `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5) returning id`,
      [org],
    );
    const connection = await one(
      `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'api', 'http', 'service_account', '{}') returning id`,
      [org],
    );
    await sql.query('insert into role_connections (org_id, role_id, connection_id) values ($1, $2, $3)', [org, role, connection]);
    await sql.query(`insert into role_bindings (org_id, role_id, subject_kind, subject) values ($1, $2, 'group', 'devs')`, [org, role]);
    const run = await one(`insert into runs (org_id, kind, role_id, user_id, trigger, input) values ($1, 'troubleshoot', $2, $3, '{}', 'why') returning id`, [
      org,
      role,
      user,
    ]);
    await sql.query(`insert into run_events (org_id, run_id, seq, type, data) values ($1, $2, 1, 'status', '{}')`, [org, run]);
    await sql.query(`insert into model_calls (org_id, run_id, model) values ($1, $2, 'scripted')`, [org, run]);
    await sql.query(
      `insert into audit_events (org_id, seq, at, action, outcome, detail, prev_hash, hash) values ($1, 1, now(), 'seed', 'success', '{}', '', '')`,
      [org],
    );
    await sql.query(`insert into audit_personal (org_id, seq, data) values ($1, 1, '{}')`, [org]);
    await sql.query(`insert into audit_personal_keys (org_id, user_id, key) values ($1, $2, decode(repeat('00', 32), 'hex'))`, [org, user]);
    await sql.query(`insert into audit_personal_wrap_keys (org_id, public_key) values ($1, decode(repeat('02', 32), 'hex'))`, [org]);
    await sql.query(`insert into sandbox_bootstraps (org_id, run_id, token_hash) values ($1, $2, 'h')`, [org, run]);
    await sql.query(`insert into budgets (org_id, scope, scope_key, monthly_cap_usd) values ($1, 'org', 'org', 5)`, [org]);
    await sql.query(`insert into budget_usage (org_id, scope, scope_key, period_start) values ($1, 'org', 'org', '2026-11-01')`, [org]);
    await sql.query(`insert into rate_buckets (org_id, bucket, tokens, refilled_at) values ($1, 'org:runs', 1, now())`, [org]);
    await sql.query(`insert into oauth_grants (org_id, connection_id, user_id, secret_ref) values ($1, $2, $3, 'ref')`, [org, connection, user]);
    await sql.query(
      `insert into oauth_states (org_id, state_hash, connection_id, user_id, code_verifier_ref, redirect_uri, expires_at) values ($1, $2, $3, $4, 'ref', 'https://x', now())`,
      [org, `s-${org}`, connection, user],
    );
    await sql.query(`insert into secret_orphans (org_id, secret_ref, due_at) values ($1, 'ref', now())`, [org]);
    await sql.query(`insert into github_links (org_id, github_id, github_login, user_id, linked_by) values ($1, 1, 'octocat', $2, 'admin')`, [org, user]);
    await sql.query(`insert into webhook_deliveries (org_id, source, delivery_id, event, outcome) values ($1, 'github', 'd-1', 'ping', 'ignored')`, [org]);
    await sql.query(
      `insert into console_sessions (org_id, id_hash, user_id, sub, csrf_token, expires_at) values ($1, 'h-1', $2, 's', 'c', now() + interval '1 hour')`,
      [org, user],
    );
    await sql.query(`insert into console_logins (org_id, id_hash, flow, expires_at) values ($1, 'h-1', '{}', now() + interval '1 hour')`, [org]);
    await sql.query(
      `insert into pull_request_reviews (org_id, repository_id, repository, pull_number, head_sha, installation_id, run_id, status) values ($1, 1, 'a/b', 1, 'sha', 1, $2, 'queued')`,
      [org, run],
    );
    await sql.query(`insert into legal_holds (org_id, user_id, reason) values ($1, $2, 'matter')`, [org, user]);
    const repo = await one(`insert into graph_repositories (org_id, name, connection_id, commit) values ($1, 'a/b', $2, 'c') returning id`, [org, connection]);
    await sql.query(`insert into graph_files (org_id, repository_id, path, language, size, sha256) values ($1, $2, 'a.ts', 'typescript', 1, 's')`, [org, repo]);
    await sql.query(
      `insert into graph_symbols (org_id, repository_id, symbol_id, path, name, qualified_name, kind, signature, exported, line, end_line)
       values ($1, $2, 'a.ts#f', 'a.ts', 'f', 'f', 'function', 'f()', true, 1, 1)`,
      [org, repo],
    );
    await sql.query(
      `insert into graph_edges (org_id, repository_id, path, kind, from_ref, to_ref, resolved, line) values ($1, $2, 'a.ts', 'calls', 'a.ts#f', 'g', false, 1)`,
      [org, repo],
    );
    await sql.query(`insert into graph_facts (org_id, repository_id, path, kind, line, target) values ($1, $2, 'a.ts', 'queue', 1, 'q')`, [org, repo]);
    await sql.query(`insert into graph_owners (org_id, repository_id, line, pattern, owners) values ($1, $2, 1, '*', '{@a}')`, [org, repo]);
    const insightJob = await one(
      `insert into insight_jobs (org_id, name, role_id, schedule, timezone, focus, next_due_at) values ($1, 'nightly', $2, '@daily', 'UTC', 'reliability', now()) returning id`,
      [org, role],
    );
    await sql.query(`insert into insight_job_firings (org_id, job_id, due_at, outcome, run_id) values ($1, $2, now(), 'queued', $3)`, [org, insightJob, run]);
    const finding = await one(
      `insert into insight_findings (org_id, run_id, job_id, title, severity, summary, evidence, suggested_change) values ($1, $2, $3, 't', 'low', 's', '[]', 'c') returning id`,
      [org, run, insightJob],
    );
    await sql.query(`insert into insight_finding_history (org_id, finding_id, seq, to_status) values ($1, $2, 1, 'new')`, [org, finding]);
    return { org, user, role, connection, run, graphRepository: repo, insightJob, finding };
  });
}

interface TableSpec {
  /** A fresh row for `s.org`, written by the app role. */
  insert?: (s: Seeded) => [string, unknown[]];
  /** A harmless update touching every visible row. */
  update?: string;
  delete?: boolean;
  /** Run first, in the same transaction, so foreign keys do not mask the delete under test. */
  beforeDelete?: string;
}

// Which statements the app role is granted per table; the rest must be refused by privilege.
const tables: Record<string, TableSpec> = {
  orgs: {},
  users: { insert: (s) => [`insert into users (org_id, sub) values ($1, 'new')`, [s.org]], update: 'update users set email = email', delete: true },
  roles: {
    insert: (s) => [`insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'new', '{review}', 60, 5)`, [s.org]],
    update: 'update roles set description = description',
    delete: true,
    beforeDelete: 'delete from role_bindings; delete from insight_jobs; delete from runs',
  },
  connections: {
    insert: (s) => [`insert into connections (org_id, name, type, auth_mode, config) values ($1, 'new', 'http', 'oauth_user', '{}')`, [s.org]],
    update: 'update connections set description = description',
    delete: true,
    beforeDelete: 'delete from role_connections',
  },
  role_connections: {
    insert: (s) => [
      `with r as (insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'r2', '{review}', 60, 5) returning id)
       insert into role_connections (org_id, role_id, connection_id) select $1, r.id, $2 from r`,
      [s.org, s.connection],
    ],
    update: 'update role_connections set org_id = org_id',
    delete: true,
  },
  role_bindings: {
    insert: (s) => [`insert into role_bindings (org_id, role_id, subject_kind, subject) values ($1, $2, 'user', 'new@example.com')`, [s.org, s.role]],
    update: 'update role_bindings set subject = subject',
    delete: true,
  },
  runs: {
    insert: (s) => [
      `insert into runs (org_id, kind, role_id, user_id, trigger, input) values ($1, 'troubleshoot', $2, $3, '{}', 'x')`,
      [s.org, s.role, s.user],
    ],
    update: 'update runs set status = status',
    delete: true,
  },
  run_events: {
    insert: (s) => [`insert into run_events (org_id, run_id, seq, type, data) values ($1, $2, 2, 'status', '{}')`, [s.org, s.run]],
    update: 'update run_events set data = data',
    delete: true,
  },
  model_calls: {
    insert: (s) => [`insert into model_calls (org_id, run_id, model) values ($1, $2, 'scripted')`, [s.org, s.run]],
    update: 'update model_calls set model = model',
    delete: true,
  },
  sandbox_bootstraps: {
    insert: (s) => [
      `with r as (insert into runs (org_id, kind, role_id, trigger, input) values ($1, 'review', $2, '{}', 'x') returning id)
       insert into sandbox_bootstraps (org_id, run_id, token_hash) select $1, r.id, 'h2' from r`,
      [s.org, s.role],
    ],
    update: 'update sandbox_bootstraps set used_at = used_at',
    delete: true,
  },
  oauth_grants: {
    insert: (s) => [
      `with u as (insert into users (org_id, sub) values ($1, 'g2') returning id)
       insert into oauth_grants (org_id, connection_id, user_id, secret_ref) select $1, $2, u.id, 'ref' from u`,
      [s.org, s.connection],
    ],
    update: 'update oauth_grants set scopes = scopes',
    delete: true,
  },
  oauth_states: {
    insert: (s) => [
      `insert into oauth_states (org_id, state_hash, connection_id, user_id, code_verifier_ref, redirect_uri, expires_at) values ($1, $2, $3, $4, 'ref', 'https://x', now())`,
      [s.org, `new-${s.org}`, s.connection, s.user],
    ],
    update: 'update oauth_states set expires_at = expires_at',
    delete: true,
  },
  secret_orphans: {
    insert: (s) => [`insert into secret_orphans (org_id, secret_ref, due_at) values ($1, 'new', now())`, [s.org]],
    update: 'update secret_orphans set attempts = attempts',
    delete: true,
  },
  github_links: {
    insert: (s) => [`insert into github_links (org_id, github_id, github_login, user_id, linked_by) values ($1, 2, 'hubot', $2, 'oauth')`, [s.org, s.user]],
    update: 'update github_links set github_login = github_login',
    delete: true,
  },
  webhook_deliveries: {
    insert: (s) => [`insert into webhook_deliveries (org_id, source, delivery_id, event, outcome) values ($1, 'github', 'd-2', 'ping', 'received')`, [s.org]],
    update: 'update webhook_deliveries set reason = reason',
    delete: true,
  },
  console_sessions: {
    insert: (s) => [
      `insert into console_sessions (org_id, id_hash, user_id, sub, csrf_token, expires_at) values ($1, 'h-2', $2, 's', 'c', now())`,
      [s.org, s.user],
    ],
    update: 'update console_sessions set email = email',
    delete: true,
  },
  console_logins: {
    insert: (s) => [`insert into console_logins (org_id, id_hash, flow, expires_at) values ($1, 'h-2', '{}', now())`, [s.org]],
    update: 'update console_logins set flow = flow',
    delete: true,
  },
  pull_request_reviews: {
    insert: (s) => [
      `insert into pull_request_reviews (org_id, repository_id, repository, pull_number, head_sha, installation_id, run_id, status) values ($1, 1, 'a/b', 2, 'sha', 1, gen_random_uuid(), 'queued')`,
      [s.org],
    ],
    update: 'update pull_request_reviews set detail = detail',
    delete: true,
  },
  legal_holds: {
    insert: (s) => [`insert into legal_holds (org_id, run_id, reason) values ($1, $2, 'matter')`, [s.org, s.run]],
    update: 'update legal_holds set released_at = now()',
    // Released, never deleted: who held what, and why, stays on record.
  },
  insight_jobs: {
    insert: (s) => [
      `insert into insight_jobs (org_id, name, role_id, schedule, timezone, focus, next_due_at) values ($1, 'weekly', $2, '@weekly', 'UTC', 'cost', now())`,
      [s.org, s.role],
    ],
    update: 'update insight_jobs set guidance = guidance',
    delete: true,
  },
  // Firings and findings are settled and moved, never deleted (a job's deletion cascades as the owner).
  insight_job_firings: {
    insert: (s) => [
      `insert into insight_job_firings (org_id, job_id, due_at, outcome) values ($1, $2, now() + interval '1 day', 'queued')`,
      [s.org, s.insightJob],
    ],
    update: 'update insight_job_firings set reason = reason',
  },
  insight_findings: {
    insert: (s) => [
      `insert into insight_findings (org_id, title, severity, summary, evidence, suggested_change) values ($1, 't', 'info', 's', '[]', 'c')`,
      [s.org],
    ],
    update: 'update insight_findings set status = status',
  },
  // Only ever added: a finding's history is its record of who moved it.
  insight_finding_history: {
    insert: (s) => [`insert into insight_finding_history (org_id, finding_id, seq, to_status) values ($1, $2, 2, 'accepted')`, [s.org, s.finding]],
  },
  budgets: {
    insert: (s) => [`insert into budgets (org_id, scope, scope_key, monthly_cap_usd) values ($1, 'role', 'r', 1)`, [s.org]],
    update: 'update budgets set monthly_cap_usd = monthly_cap_usd',
    delete: true,
  },
  budget_usage: {
    insert: (s) => [`insert into budget_usage (org_id, scope, scope_key, period_start) values ($1, 'role', 'r', '2026-11-01')`, [s.org]],
    update: 'update budget_usage set spent_usd = spent_usd',
    delete: true,
  },
  rate_buckets: {
    insert: (s) => [`insert into rate_buckets (org_id, bucket, tokens, refilled_at) values ($1, 'user:x', 1, now())`, [s.org]],
    update: 'update rate_buckets set tokens = tokens',
    delete: true,
  },
  audit_events: {
    insert: (s) => [
      `insert into audit_events (org_id, seq, at, action, outcome, detail, prev_hash, hash) values ($1, 2, now(), 'x', 'success', '{}', '', '')`,
      [s.org],
    ],
  },
  audit_personal: {
    insert: (s) => [
      `with e as (insert into audit_events (org_id, seq, at, action, outcome, detail, prev_hash, hash) values ($1, 3, now(), 'x', 'success', '{}', '', '') returning seq)
       insert into audit_personal (org_id, seq, data) select $1, seq, '{}' from e`,
      [s.org],
    ],
    delete: true,
  },
  // The graph's own scoping (a run's role, a person's bindings) is graph.test.ts's; here, as the org.
  graph_repositories: {
    insert: (s) => [`insert into graph_repositories (org_id, name, commit) values ($1, 'local/x', 'c')`, [s.org]],
    update: 'update graph_repositories set commit = commit',
    delete: true,
  },
  graph_files: {
    insert: (s) => [
      `insert into graph_files (org_id, repository_id, path, language, size, sha256) values ($1, $2, 'b.ts', 'typescript', 1, 's')`,
      [s.org, s.graphRepository],
    ],
    update: 'update graph_files set size = size',
    delete: true,
  },
  graph_symbols: {
    insert: (s) => [
      `insert into graph_symbols (org_id, repository_id, symbol_id, path, name, qualified_name, kind, signature, exported, line, end_line)
       values ($1, $2, 'b.ts#g', 'b.ts', 'g', 'g', 'function', 'g()', true, 1, 1)`,
      [s.org, s.graphRepository],
    ],
    update: 'update graph_symbols set doc = doc',
    delete: true,
  },
  graph_edges: {
    insert: (s) => [
      `insert into graph_edges (org_id, repository_id, path, kind, from_ref, to_ref, resolved, line) values ($1, $2, 'b.ts', 'calls', 'b.ts#g', 'f', false, 1)`,
      [s.org, s.graphRepository],
    ],
    update: 'update graph_edges set line = line',
    delete: true,
  },
  graph_facts: {
    insert: (s) => [
      `insert into graph_facts (org_id, repository_id, path, kind, line, target) values ($1, $2, 'b.ts', 'queue', 1, 'q2')`,
      [s.org, s.graphRepository],
    ],
    update: 'update graph_facts set target = target',
    delete: true,
  },
  graph_owners: {
    insert: (s) => [`insert into graph_owners (org_id, repository_id, line, pattern, owners) values ($1, $2, 2, '*.ts', '{@b}')`, [s.org, s.graphRepository]],
    update: 'update graph_owners set owners = owners',
    delete: true,
  },
  audit_personal_keys: {
    // The org's own key (user_id null): the seed holds only the user's.
    insert: (s) => [`insert into audit_personal_keys (org_id, key) values ($1, decode(repeat('01', 32), 'hex'))`, [s.org]],
    // Inserted and destroyed, never rewritten: no update.
    delete: true,
  },
  // Only ever added: the newest is checked against the secret store's at every start.
  audit_personal_wrap_keys: {
    insert: (s) => [`insert into audit_personal_wrap_keys (org_id, public_key) values ($1, decode(repeat('03', 32), 'hex'))`, [s.org]],
  },
};

class Rollback extends Error {
  constructor(readonly value: unknown) {
    super('rollback');
  }
}

/** Runs one statement as the app role and always rolls back, returning rows/rowCount or the error code. */
async function attempt(db: Database, ctx: TenantContext, fn: (sql: Sql) => Promise<number>): Promise<number | string> {
  try {
    await db.tenant(ctx, async (sql) => {
      throw new Rollback(await fn(sql));
    });
  } catch (err) {
    if (err instanceof Rollback) return err.value as number;
    const code = pgErrorCode(err);
    if (code) return code;
    throw err;
  }
  throw new Error('unreachable');
}

const INSUFFICIENT_PRIVILEGE = '42501';

describe.each(testDrivers)('row-level security on %s', (driver) => {
  const open =
    () =>
    (fn: (t: TestDatabase) => Promise<void>, options: TestDatabaseOptions = {}) =>
      withTestDb(fn, { ...options, driver });

  it('every table has RLS enabled and forced, and the app role owns nothing and cannot bypass it', async () => {
    await open()(async ({ db }) => {
      expect(await checkRls(db)).toEqual([]);
      const listed = await db.owner((sql) =>
        sql.query<{ relname: string }>(
          `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r' and c.relname <> 'schema_migrations'`,
          [db.schema],
        ),
      );
      // The matrix below must cover every table the migrations create.
      expect(listed.rows.map((r) => r.relname).sort()).toEqual(Object.keys(tables).sort());
    });
  });

  it('the catalog check fails on a table without forced RLS, a definer view and an object owned by the app role', async () => {
    await open()(async ({ db }) => {
      await db.owner(async (sql) => {
        await sql.exec(`create table leaky (org_id uuid); alter table leaky enable row level security;
          create view leaky_view as select * from roles;
          create table app_owned (org_id uuid); alter table app_owned owner to ${APP_ROLE};`);
      });
      const problems = (await checkRls(db)).map((v) => `${v.object}: ${v.problem}`);
      expect(problems).toEqual(
        expect.arrayContaining([
          'leaky: row level security is not forced',
          'leaky: has no policy',
          'leaky_view: view without security_invoker',
          `app_owned: owned by ${APP_ROLE}`,
          'app_owned: row level security is not enabled',
        ]),
      );
      await db.owner((sql) => sql.exec('drop view leaky_view; drop table leaky; drop table app_owned;'));
    });
  });

  it('enforces tables × select/insert/update/delete × {own org, other org, no org}, each denial paired with a positive control', async () => {
    await open()(async ({ db, orgA, orgB }) => {
      const a = await seed(db, orgA);
      const b = await seed(db, orgB);
      const asA: TenantContext = { orgId: orgA, userId: a.user, graphScope: { kind: 'org' } };
      const asB: TenantContext = { orgId: orgB, userId: b.user, graphScope: { kind: 'org' } };
      const asNobody: TenantContext = { orgId: null, userId: null, graphScope: { kind: 'org' } };
      for (const [table, spec] of Object.entries(tables)) {
        const label = (what: string) => `${table}: ${what}`;
        const countA = (sql: Sql) => sql.query(`select * from ${table} where org_id = $1`, [orgA]).then((r) => r.rows.length);
        expect(await attempt(db, asA, countA), label('org A sees its rows')).toSatisfy((n) => typeof n === 'number' && n > 0);
        expect(await attempt(db, asB, countA), label('org B sees none of A')).toBe(0);
        expect(await attempt(db, asNobody, countA), label('no org sees nothing')).toBe(0);

        if (spec.insert) {
          const [textA, paramsA] = spec.insert(a);
          const [textB, paramsB] = spec.insert(b);
          const insertA = (sql: Sql) => sql.query(textA, paramsA).then((r) => r.rowCount);
          expect(await attempt(db, asA, insertA), label('org A inserts into A')).toBe(1);
          expect(await attempt(db, asB, (sql) => sql.query(textB, paramsB).then((r) => r.rowCount)), label('org B inserts into B')).toBe(1);
          expect(await attempt(db, asB, insertA), label('org B cannot insert into A')).toBe(INSUFFICIENT_PRIVILEGE);
          expect(await attempt(db, asNobody, insertA), label('no org cannot insert')).toBe(INSUFFICIENT_PRIVILEGE);
        } else {
          const probe = (sql: Sql) => sql.query(`insert into ${table} select * from ${table} limit 0`).then((r) => r.rowCount);
          expect(await attempt(db, asA, probe), label('insert is not granted')).toBe(INSUFFICIENT_PRIVILEGE);
        }

        for (const op of ['update', 'delete'] as const) {
          const text = op === 'update' ? spec.update : spec.delete ? `delete from ${table}` : undefined;
          if (!text) {
            const denied = op === 'update' ? `update ${table} set org_id = org_id` : `delete from ${table}`;
            expect(await attempt(db, asA, (sql) => sql.query(denied).then((r) => r.rowCount)), label(`${op} is not granted`)).toBe(INSUFFICIENT_PRIVILEGE);
            continue;
          }
          const scoped = `${text} where org_id = '${orgA}'`;
          const before = op === 'delete' ? spec.beforeDelete : undefined;
          const run = async (sql: Sql) => {
            if (before) for (const stmt of before.split(';')) await sql.query(stmt);
            return (await sql.query(scoped)).rowCount;
          };
          expect(await attempt(db, asA, run), label(`org A may ${op} its rows`)).toSatisfy((n) => typeof n === 'number' && n > 0);
          expect(await attempt(db, asB, run), label(`org B cannot ${op} A's rows`)).toBe(0);
          expect(await attempt(db, asNobody, run), label(`no org cannot ${op}`)).toBe(0);
        }
      }
      // Nothing above committed: A's rows are all still there.
      const afterwards = await db.owner((sql) => sql.query('select count(*)::int as n from runs where org_id = $1', [orgA]));
      expect(afterwards.rows[0]).toEqual({ n: 1 });
    });
  });

  it('moving a row to another org is refused (WITH CHECK)', async () => {
    await open()(async ({ db, orgA, orgB }) => {
      const a = await seed(db, orgA);
      const code = await attempt(db, { orgId: orgA, userId: a.user }, (sql) => sql.query('update users set org_id = $1', [orgB]).then((r) => r.rowCount));
      expect(code).toBe(INSUFFICIENT_PRIVILEGE);
    });
  });

  it('a pool of one connection does not carry a request’s org, user or role into the next', async () => {
    await open()(
      async ({ db, orgA }) => {
        await seed(db, orgA);
        const visible = (ctx: TenantContext) =>
          db.tenant(ctx, async (sql) => {
            const rows = await sql.query<{ n: number }>('select count(*)::int as n from roles');
            const settings = await sql.query<{ org: string; user_id: string; role: string }>(
              `select current_setting('remit.org_id', true) as org, current_setting('remit.user_id', true) as user_id, current_user as role`,
            );
            return { n: rows.rows[0]!.n, ...settings.rows[0]! };
          });
        expect(await visible({ orgId: orgA, userId: null })).toMatchObject({ n: 1, org: orgA, role: APP_ROLE });
        expect(await visible({ orgId: null, userId: null })).toMatchObject({ n: 0, org: '', user_id: '' });
        // A request that fails half-way must not leak its identity either.
        await expect(
          db.tenant({ orgId: orgA, userId: null }, async (sql) => {
            await sql.query('select 1');
            throw new Error('handler blew up');
          }),
        ).rejects.toThrow('handler blew up');
        expect(await visible({ orgId: null, userId: null })).toMatchObject({ n: 0, org: '' });
        // And outside any tenant transaction, the connection is no longer the app role.
        const session = await db.owner((sql) =>
          sql.query<{ org: string | null; role: string }>(`select coalesce(current_setting('remit.org_id', true), '') as org, current_user as role`),
        );
        expect(session.rows[0]!.org).toBe('');
        expect(session.rows[0]!.role).not.toBe(APP_ROLE);
      },
      { poolSize: 1 },
    );
  });
});
