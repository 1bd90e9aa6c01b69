import { ensureOrg, migrate, openDatabase } from '@remit/db';
import { resolve } from 'node:path';
import type { CommandContext } from '../command-context.ts';

export async function migrateCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
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
    process.stdout.write(
      report.applied.length
        ? `applied ${report.applied.length} migration(s): ${report.applied.join(', ')}\n`
        : `up to date (${report.alreadyApplied} migration(s) already applied)\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
