import { PGlite } from '@electric-sql/pglite';
import { APP_ROLE, type Database, type QueryResult, type Sql, type TenantContext } from './sql.ts';
import { createNotifications } from './notifications.ts';
import { ownerSettings, tenantSettings } from './transaction-settings.ts';

const INT8_OID = 20;

interface PGliteLike {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
  exec(text: string): Promise<unknown>;
}

function wrap(tx: PGliteLike): Sql {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const res = await tx.query<Row>(text, [...params]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
    async exec(text: string) {
      await tx.exec(text);
    },
  };
}

/**
 * Embedded Postgres (PGlite) in a directory, or in memory when `dataDir` is undefined.
 * PGlite is one connection that queues transactions, so it needs no pool. Its session user
 * is a superuser: every tenant transaction therefore drops to the app role first, with a
 * SET ROLE that an injected `RESET ROLE` could undo. That is accepted here because PGlite
 * runs inside this process with no listener, for development and evaluation; deployments use
 * PostgreSQL, where requests log in as the app role itself (see pg-database.ts).
 */
export async function openPgliteDatabase(options: { dataDir: string | undefined; schema: string }): Promise<Database> {
  const pg = await PGlite.create({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), parsers: { [INT8_OID]: Number } });
  return pgliteDatabase(pg, options.schema);
}

export function pgliteDatabase(pg: PGlite, schema: string): Database {
  const run = async <T>(settings: { text: string; params: string[] }, fn: (sql: Sql) => Promise<T>): Promise<T> =>
    pg.transaction(async (tx) => {
      await tx.query(settings.text, settings.params);
      return fn(wrap(tx as unknown as PGliteLike));
    });
  // PGlite delivers NOTIFY to listeners on the same instance: the in-process emitter.
  const notifications = createNotifications((channel, onNotify) => pg.listen(channel, onNotify), schema);
  return {
    driver: 'pglite',
    schema,
    notifications,
    tenant: <T>(ctx: TenantContext, fn: (sql: Sql) => Promise<T>) => run(tenantSettings(schema, ctx, APP_ROLE), fn),
    owner: <T>(fn: (sql: Sql) => Promise<T>) => run(ownerSettings(schema), fn),
    async ping() {
      await pg.query('select 1');
    },
    async close() {
      await notifications.close();
      if (!pg.closed) await pg.close();
    },
  };
}
