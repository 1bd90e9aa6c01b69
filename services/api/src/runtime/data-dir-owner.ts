import { resolve } from 'node:path';
import type { ConfigEnv } from '@remit/core';
import { advertiseDataDirServer, dataDirOwner, type DataDirOwner } from '@remit/db';
import type { Runtime } from './open-runtime.ts';

/**
 * Which live process owns this configuration's embedded database, if any: `{pid, command,
 * since, url}`, where `url` is the API it serves once listening (`remit serve`, `remit demo`).
 * Undefined with DATABASE_URL (PostgreSQL is shared by any number of processes) or when no live
 * process holds the data directory. A command that needs the database calls this first and, when
 * `url` is set, talks to that server (REMIT_URL, REMIT_TOKEN) instead of opening the database,
 * which would fail with `data_dir_in_use`.
 */
export function embeddedDatabaseOwner(config: ConfigEnv): DataDirOwner | undefined {
  if (config.DATABASE_URL) return undefined;
  return dataDirOwner(resolve(config.REMIT_DATA_DIR));
}

/** The URL of the server that owns this configuration's embedded database, if one is listening. */
export function runningServerUrl(config: ConfigEnv): string | undefined {
  return embeddedDatabaseOwner(config)?.url;
}

/**
 * Called once the API listens: records its URL beside this process's hold on the data directory,
 * for embeddedDatabaseOwner in other processes. Nothing to record on PostgreSQL.
 */
export function announceServer(rt: Pick<Runtime, 'config' | 'dataDir'>, url: string): void {
  if (rt.config.DATABASE_URL) return;
  advertiseDataDirServer(rt.dataDir, url);
}
