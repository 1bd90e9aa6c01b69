import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock.ts';
import { DatabaseError } from './database-error.ts';
import { openPgDatabase } from './pg-database.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import { APP_ROLE, type Database } from './sql.ts';

interface DatabaseSettings {
  dataDir: string;
  /** The schema owner (DATABASE_URL); unset with `appUrl` unset too: PGlite in the data directory. */
  ownerUrl?: string | undefined;
  /**
   * The request login (REMIT_DATABASE_APP_URL); default: `requestLoginUrl(ownerUrl)`. Alone,
   * without `ownerUrl`, the database is requests-only: no owner pool, `owner` rejects.
   */
  appUrl?: string | undefined;
  schema: string;
  poolSize: number;
}

/** How long the first connection to PostgreSQL may take before the URL is reported as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * One code path, two drivers: `pg` when a URL is configured (connected once here, as the owner,
 * or as the request login when that is the only URL, so a wrong URL fails now, naming it),
 * PGlite in the data directory otherwise, locked for this process until close (see
 * data-dir-lock.ts). Throws DatabaseError.
 */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.ownerUrl || settings.appUrl) {
    const ownerUrl = settings.ownerUrl || undefined;
    const appUrl = settings.appUrl ?? requestLoginUrl(settings.ownerUrl!);
    const db = openPgDatabase({ ownerUrl, appUrl, schema: settings.schema, poolSize: settings.poolSize });
    const first = ownerUrl ? { url: ownerUrl, setting: 'DATABASE_URL' } : { url: appUrl, setting: 'REMIT_DATABASE_APP_URL' };
    try {
      await withTimeout<unknown>(ownerUrl ? db.owner((sql) => sql.query('select 1')) : db.ping(), CONNECT_TIMEOUT_MS);
    } catch (err) {
      // The connection failure is what the caller must see; a connect that never answered is not waited for.
      const closing = db.close().catch(() => undefined);
      if (!(err instanceof TimeoutError)) await closing;
      throw unreachable(first.url, first.setting, err);
    }
    return db;
  }
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(settings.dataDir);
  const dir = join(settings.dataDir, 'pgdata');
  let db: Database;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    db = await openPgliteDatabase({ dataDir: dir, schema: settings.schema });
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
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

/** Why the first login could not connect, in one line naming its setting and where it points (never its password). */
function unreachable(loginUrl: string, setting: string, err: unknown): DatabaseError {
  const url = new URL(loginUrl);
  const where = `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname}`;
  return new DatabaseError(
    'database_unreachable',
    `cannot connect to PostgreSQL at ${where} (${setting}): ${connectFailure(err, url.hostname)}; check ${setting}, or unset it to use embedded PGlite`,
    { cause: err },
  );
}

function connectFailure(err: unknown, host: string): string {
  if (err instanceof TimeoutError) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  const e = err as { code?: string; errors?: { code?: string }[]; message?: string };
  // Node reports a name with several addresses (localhost: ::1 and 127.0.0.1) as an AggregateError.
  const code = e.code ?? e.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${host} not found`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      // PostgreSQL's own refusals (wrong password, no such database or role) say what is wrong.
      return (e.message ?? String(err)).split('\n')[0]!;
  }
}

class TimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
