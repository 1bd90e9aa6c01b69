import { allowOrgLookup, APP_ROLE, ensureOrg, migrate, openDatabase, setRequestLoginPassword } from '@remit/db';
import { resolve } from 'node:path';
import { CliError, type CommandContext } from '../command-context.ts';

/**
 * `remit migrate`, as the owner (DATABASE_URL; embedded PGlite without it): applies the
 * migrations, creates the org REMIT_ORG and lets the request login find it, and gives remit_app
 * the password in REMIT_DATABASE_APP_URL, so a requests-only service can start next.
 */
export async function migrateCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  if (!config.DATABASE_URL && config.REMIT_DATABASE_APP_URL) {
    throw new CliError(
      'usage',
      'remit migrate runs as the schema owner: set DATABASE_URL (REMIT_DATABASE_APP_URL is the request login, which changes no schema)',
    );
  }
  const db = await openDatabase({
    dataDir: resolve(config.REMIT_DATA_DIR),
    ownerUrl: config.DATABASE_URL,
    appUrl: config.REMIT_DATABASE_APP_URL,
    schema: config.REMIT_DB_SCHEMA,
    poolSize: 1,
  });
  try {
    const report = await migrate(db);
    await ensureOrg(db, config.REMIT_ORG);
    await allowOrgLookup(db, config.REMIT_ORG);
    const password = appRolePassword(config.REMIT_DATABASE_APP_URL);
    if (password !== undefined) await setRequestLoginPassword(db, password);
    process.stdout.write(
      report.applied.length
        ? `applied ${report.applied.length} migration(s): ${report.applied.join(', ')}\n`
        : `up to date (${report.alreadyApplied} migration(s) already applied)\n`,
    );
    process.stdout.write(`org ${config.REMIT_ORG} ready${password !== undefined ? `; ${APP_ROLE} password set from REMIT_DATABASE_APP_URL` : ''}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/** The password REMIT_DATABASE_APP_URL gives remit_app, decoded as the driver decodes it; undefined for another login or none. */
function appRolePassword(appUrl: string | undefined): string | undefined {
  if (!appUrl) return undefined;
  const url = new URL(appUrl);
  if (decodeURIComponent(url.username) !== APP_ROLE || url.password === '') return undefined;
  return decodeURIComponent(url.password);
}
