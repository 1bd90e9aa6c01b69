import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPgDatabase } from './pg-database.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import { APP_ROLE, type Database } from './sql.ts';

interface DatabaseSettings {
  dataDir: string;
  /** The schema owner (DATABASE_URL); unset: PGlite in the data directory. */
  ownerUrl?: string | undefined;
  /** The request login (REMIT_DATABASE_APP_URL); default: `requestLoginUrl(ownerUrl)`. */
  appUrl?: string | undefined;
  schema: string;
  poolSize: number;
}

/** One code path, two drivers: `pg` when a URL is configured, PGlite in the data directory otherwise. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.ownerUrl) {
    const appUrl = settings.appUrl ?? requestLoginUrl(settings.ownerUrl);
    return openPgDatabase({ ownerUrl: settings.ownerUrl, appUrl, schema: settings.schema, poolSize: settings.poolSize });
  }
  const dir = join(settings.dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPgliteDatabase({ dataDir: dir, schema: settings.schema });
}

/**
 * The request login when none is configured: the owner's URL (host, database, TLS options)
 * logging in as the app role, with no password. That works where the server trusts local
 * logins or reads a password file; with password or IAM authentication, set
 * REMIT_DATABASE_APP_URL instead.
 */
export function requestLoginUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = '';
  return url.toString();
}
