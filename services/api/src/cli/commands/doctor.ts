import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkRls, migrate, openDatabase } from '@remit/db';
import type { CommandContext } from '../command-context.ts';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Checks the machine and configuration; every failing line says how to fix it. Exit 1 if any fails. */
export async function doctorCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  const { config } = ctx;
  const checks: Check[] = [];
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

  try {
    const db = await openDatabase({ dataDir, databaseUrl: config.DATABASE_URL, ownerUrl: config.DATABASE_OWNER_URL, schema: config.REMIT_DB_SCHEMA, poolSize: 1 });
    try {
      await migrate(db);
      checks.push({ name: 'database', ok: true, detail: db.driver === 'pg' ? 'PostgreSQL reachable, schema up to date' : 'embedded PGlite, schema up to date' });
      const violations = await checkRls(db);
      checks.push({
        name: 'row-level security',
        ok: violations.length === 0,
        detail: violations.length ? violations.map((v) => `${v.object}: ${v.problem}`).join('; ') : 'every table enabled and forced; app role owns nothing',
        fix: 'run remit migrate as the schema owner; never grant ownership or BYPASSRLS to remit_app',
      });
    } finally {
      await db.close();
    }
  } catch (err) {
    checks.push({
      name: 'database',
      ok: false,
      detail: (err as Error).message,
      fix: config.DATABASE_URL ? 'check DATABASE_URL (and DATABASE_OWNER_URL for migrations)' : `check that ${dataDir} is not used by another process`,
    });
  }

  checks.push({
    name: 'identity',
    ok: true,
    detail: config.REMIT_OIDC_ISSUER
      ? `OIDC issuer ${config.REMIT_OIDC_ISSUER} (${config.REMIT_OIDC_ALG}), admins: group ${config.REMIT_ADMIN_GROUP}`
      : `local development issuer (remit token); admins: group ${config.REMIT_ADMIN_GROUP}. Set REMIT_OIDC_ISSUER for production`,
  });

  for (const c of checks) {
    process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}\n`);
    if (!c.ok && c.fix) process.stdout.write(`    fix: ${c.fix}\n`);
  }
  const failing = checks.filter((c) => !c.ok).length;
  process.stdout.write(failing ? `\n${failing} problem(s) found.\n` : '\nAll good.\n');
  return failing ? 1 : 0;
}
