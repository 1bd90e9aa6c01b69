import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { activeIssuer, type ConfigEnv } from '@remit/core';
import {
  checkRequestLogin,
  checkRls,
  findOrgId,
  migrate,
  openDatabase,
  pendingMigrations,
  RequestLoginProblem,
  type Database,
  type DataDirOwner,
} from '@remit/db';
import { embeddedDatabaseOwner } from '../../runtime/data-dir-owner.ts';
import type { LiveCheck } from '../../runtime/live-check.ts';
import { checkModelProvider } from '../../runtime/model-check.ts';
import { checkSandboxDriver } from '../../runtime/sandbox-check.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { printJson } from '../print.ts';

/**
 * Checks the machine and configuration, live: the database (or the server that owns it), a real
 * sandbox created and destroyed, the model provider reached as runs reach it, and which token
 * issuer is active. Every failing line says how to fix it. Exit 1 if any fails.
 */
export async function doctorCommand(ctx: CommandContext, opts: { json?: boolean } = {}): Promise<number> {
  const { config } = ctx;
  const checks: LiveCheck[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({
    name: 'node',
    ok: major > 20 || (major === 20 && minor >= 19),
    detail: `v${process.versions.node}`,
    fix: 'install Node.js 20.19 or newer',
  });

  const dataDir = resolve(config.REMIT_DATA_DIR);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK);
    checks.push({ name: 'data directory', ok: true, detail: dataDir });
  } catch (err) {
    checks.push({ name: 'data directory', ok: false, detail: `${dataDir}: ${(err as Error).message}`, fix: 'set REMIT_DATA_DIR to a writable directory' });
  }

  if (config.REMIT_SANDBOX_DRIVER === 'local') {
    const bwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true'], { encoding: 'utf8' });
    checks.push({
      name: 'bubblewrap (local sandboxes)',
      ok: bwrap.status === 0,
      detail: bwrap.error ? 'bwrap not found' : bwrap.status === 0 ? 'creates user, pid, mount and network namespaces' : bwrap.stderr.trim(),
      fix: bwrap.error
        ? 'apt-get install -y bubblewrap'
        : 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0)',
    });
  }
  checks.push(await checkSandboxDriver(config, dataDir));

  const owner = embeddedDatabaseOwner(config);
  if (owner) checks.push(await ownedDatabaseCheck(owner));
  else checks.push(...(await databaseChecks(config, dataDir)));

  checks.push(await checkModelProvider(config));
  checks.push(identityCheck(config, dataDir));

  const failing = checks.filter((c) => !c.ok).length;
  if (opts.json) {
    printJson({ ok: failing === 0, checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.ok ? null : (c.fix ?? null) })) });
    return failing ? 1 : 0;
  }
  for (const c of checks) {
    // Details quote the database and the environment: escaped like any untrusted text.
    process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.name}: ${escapeForTerminal(c.detail)}\n`);
    if (!c.ok && c.fix) process.stdout.write(`    fix: ${escapeForTerminal(c.fix)}\n`);
  }
  process.stdout.write(failing ? `\n${failing} problem(s) found.\n` : '\nAll good.\n');
  return failing ? 1 : 0;
}

/**
 * The database opened and migrated here, its row-level security and the request login. With
 * REMIT_DATABASE_APP_URL alone (requests-only) nothing is migrated: the schema version and the
 * org are checked as the request login, as the service does at start.
 */
async function databaseChecks(config: ConfigEnv, dataDir: string): Promise<LiveCheck[]> {
  const checks: LiveCheck[] = [];
  const requestsOnly = !config.DATABASE_URL && config.REMIT_DATABASE_APP_URL !== undefined;
  try {
    const db = await openDatabase({
      dataDir,
      ownerUrl: config.DATABASE_URL,
      appUrl: config.REMIT_DATABASE_APP_URL,
      schema: config.REMIT_DB_SCHEMA,
      poolSize: 1,
    });
    try {
      checks.push(requestsOnly ? await preparedDatabaseCheck(db, config.REMIT_ORG) : await migratedDatabaseCheck(db));
      const violations = await checkRls(db);
      checks.push({
        name: 'row-level security',
        ok: violations.length === 0,
        detail: violations.length ? violations.map((v) => `${v.object}: ${v.problem}`).join('; ') : 'every table enabled and forced; app role owns nothing',
        fix: 'run remit migrate as the schema owner; never grant ownership or BYPASSRLS to remit_app',
      });
      checks.push(await requestLoginCheck(db));
    } finally {
      await db.close();
    }
  } catch (err) {
    checks.push({
      name: 'database',
      ok: false,
      detail: (err as Error).message,
      fix: config.DATABASE_URL
        ? 'check DATABASE_URL: it must log in as the schema owner, which creates the schema and the remit_app role'
        : requestsOnly
          ? 'check REMIT_DATABASE_APP_URL: it must log in as remit_app (run remit migrate with DATABASE_URL first, which sets its password)'
          : `check that ${dataDir} is not used by another process`,
    });
  }
  return checks;
}

async function migratedDatabaseCheck(db: Database): Promise<LiveCheck> {
  await migrate(db);
  return {
    name: 'database',
    ok: true,
    detail: db.driver === 'pg' ? 'PostgreSQL reachable as the owner (DATABASE_URL), schema up to date' : 'embedded PGlite, schema up to date',
  };
}

/** Requests-only: the schema version and the org, read as the request login. */
async function preparedDatabaseCheck(db: Database, org: string): Promise<LiveCheck> {
  const pending = await pendingMigrations(db);
  const orgId = pending.length ? undefined : await findOrgId(db, org);
  const problem = pending.length
    ? `schema ${db.schema} lacks ${pending.length} migration(s) (up to ${pending.at(-1)})`
    : orgId
      ? undefined
      : `no org ${org} (REMIT_ORG)`;
  return {
    name: 'database',
    ok: problem === undefined,
    detail: problem
      ? `PostgreSQL reachable as the request login (REMIT_DATABASE_APP_URL, no DATABASE_URL): ${problem}`
      : `PostgreSQL reachable as the request login (REMIT_DATABASE_APP_URL, no DATABASE_URL): schema up to date, org ${org} present`,
    fix: `run remit migrate with DATABASE_URL (the owner) and REMIT_ORG=${org}`,
  };
}

/**
 * Embedded PGlite that another live process holds: opening it here would be refused, so the
 * check asks the owner's API, when it serves one, whether its database is ready.
 */
async function ownedDatabaseCheck(owner: DataDirOwner): Promise<LiveCheck> {
  const name = 'database';
  const held = `embedded PGlite, owned by ${owner.command} (pid ${owner.pid})`;
  if (owner.url === undefined) {
    return { name, ok: true, detail: `${held}; it serves no API to ask, so its database was not checked from here` };
  }
  try {
    const res = await fetch(`${owner.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    return {
      name,
      ok: res.ok,
      detail: `${held} at ${owner.url}: GET /readyz answered ${res.status}; row-level security and the request login were checked when it started`,
      fix: `see that process's log; stopping it (kill ${owner.pid}) frees the data directory`,
    };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `${held} at ${owner.url}, which does not answer: ${(err as Error).message}`,
      fix: `stop it (kill ${owner.pid}) and start bin/remit serve again`,
    };
  }
}

/** How to remove each way a request login could get past row-level security; exhaustive by type. */
const loginFixes: Record<RequestLoginProblem, (login: string) => string> = {
  [RequestLoginProblem.superuser]: (l) => `point REMIT_DATABASE_APP_URL at remit_app, or as a superuser: alter role ${l} nosuperuser`,
  [RequestLoginProblem.bypassRls]: (l) => `as a superuser: alter role ${l} nobypassrls`,
  [RequestLoginProblem.createRole]: (l) => `alter role ${l} nocreaterole`,
  [RequestLoginProblem.ownsObjects]: (l) => `as the owner: reassign owned by ${l} to <the DATABASE_URL role>`,
  [RequestLoginProblem.canBecome]: (l) => `revoke each role named above from ${l} (revoke <role> from ${l})`,
  [RequestLoginProblem.missingGrants]: (l) => `set REMIT_DATABASE_APP_URL to log in as remit_app, or: grant remit_app to ${l}; alter role ${l} inherit`,
};

/** The login the request pool really connects as, asked over that pool. */
async function requestLoginCheck(db: Database): Promise<LiveCheck> {
  const name = 'request login';
  try {
    const report = await checkRequestLogin(db);
    if (report.problems.length) {
      return {
        name,
        ok: false,
        detail: `${report.login} could get past row-level security: ${report.problems.map((p) => `${p.detail} (${p.code})`).join('; ')}`,
        fix: [...new Set(report.problems.map((p) => loginFixes[p.code](report.login)))].join('; '),
      };
    }
    return {
      name,
      ok: true,
      detail:
        db.driver === 'pg'
          ? `${report.login}: not a superuser, no BYPASSRLS or CREATEROLE, owns nothing, and cannot SET ROLE to a role that could`
          : `embedded PGlite: one in-process connection that switches to ${report.role} per request transaction; nothing else can connect. Deployments use DATABASE_URL`,
    };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `cannot connect: ${(err as Error).message}`,
      fix: "set REMIT_DATABASE_APP_URL to log in as remit_app with its password (as the owner: alter role remit_app password '…'), or trust remit_app in pg_hba.conf",
    };
  }
}

function identityCheck(config: ConfigEnv, dataDir: string): LiveCheck {
  const identity = activeIssuer(config);
  if (identity.kind === 'oidc') {
    return {
      name: 'identity',
      ok: true,
      detail: `OIDC issuer ${identity.issuer} (${config.REMIT_OIDC_ALG}), because ${identity.why}; admins: group ${config.REMIT_ADMIN_GROUP}`,
    };
  }
  return {
    name: 'identity',
    ok: true,
    detail:
      `development issuer (remit token), because ${identity.why}; admins: group ${config.REMIT_ADMIN_GROUP}. ` +
      `Anyone who can read ${dataDir}/dev-issuer can sign any token, so set REMIT_OIDC_ISSUER for production`,
  };
}
