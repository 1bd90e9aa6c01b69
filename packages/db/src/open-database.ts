import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPgDatabase } from './pg-database.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import type { Database } from './sql.ts';

export interface DatabaseSettings {
  dataDir: string;
  databaseUrl?: string | undefined;
  ownerUrl?: string | undefined;
  schema: string;
  poolSize: number;
}

/** One code path, two drivers: `pg` when a URL is configured, PGlite in the data directory otherwise. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.databaseUrl) {
    return openPgDatabase({ appUrl: settings.databaseUrl, ownerUrl: settings.ownerUrl, schema: settings.schema, poolSize: settings.poolSize });
  }
  const dir = join(settings.dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPgliteDatabase({ dataDir: dir, schema: settings.schema });
}
