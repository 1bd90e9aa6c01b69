import pg from 'pg';
import { DatabaseError } from './database-error.ts';
import type { Database, QueryResult, Sql, TenantContext } from './sql.ts';
import { createNotifications } from './notifications.ts';
import { createPgListener } from './pg-listener.ts';
import { ownerSettings, tenantSettings } from './transaction-settings.ts';

const INT8_OID = 20;

// int8 as number on both drivers; our bigints (audit seq, counters) stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function wrap(client: pg.PoolClient): Sql {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const res = await client.query(text, [...params]);
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? res.rows.length };
    },
    async exec(text: string) {
      await client.query(text); // no parameters: the simple protocol allows several statements
    },
  };
}

/**
 * Our own settings are transaction-local, but a statement can still SET something for the
 * session (an injected `SET row_security = off` would fail every later request on that
 * connection). RESET ALL after COMMIT or ROLLBACK returns the pooled connection to the login's
 * defaults; sent in the same simple-protocol message, it costs no round trip.
 */
const COMMIT = 'commit; reset all';
const ROLLBACK = 'rollback; reset all';

async function inTransaction<T>(pool: pg.Pool, settings: { text: string; params: string[] }, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await client.query(settings.text, settings.params);
    const result = await fn(wrap(client));
    await client.query(COMMIT);
    return result;
  } catch (err) {
    try {
      await client.query(ROLLBACK);
    } catch (rollbackErr) {
      // A connection that cannot roll back is discarded rather than returned to the pool.
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * PostgreSQL through two `pg` pools that never share a login. Requests use `appUrl`, a login
 * that owns nothing and cannot bypass row-level security, and run as that login with no SET
 * ROLE (so there is nothing for `RESET ROLE` to undo). `ownerUrl` is the schema owner, for
 * migrations and start-up; its pool opens on first use. Without it the database is
 * requests-only: `owner` rejects with DatabaseError `owner_unavailable`.
 */
export function openPgDatabase(options: { ownerUrl: string | undefined; appUrl: string; schema: string; poolSize: number }): Database {
  const app = new pg.Pool({ connectionString: options.appUrl, max: options.poolSize, types });
  // An idle client that dies emits 'error' on its pool; without a listener that kills the
  // process. The next checkout reconnects, so the event itself needs no handling.
  app.on('error', () => undefined);
  let owner: pg.Pool | undefined;
  const ownerPool = (ownerUrl: string) => {
    if (!owner) {
      owner = new pg.Pool({ connectionString: ownerUrl, max: 2, types });
      owner.on('error', () => undefined);
    }
    return owner;
  };
  const listener = createPgListener(options.appUrl);
  const notifications = createNotifications(listener.listen, options.schema);
  return {
    driver: 'pg',
    schema: options.schema,
    notifications,
    tenant: <T>(ctx: TenantContext, fn: (sql: Sql) => Promise<T>) => inTransaction(app, tenantSettings(options.schema, ctx), fn),
    owner: async <T>(fn: (sql: Sql) => Promise<T>) => {
      if (options.ownerUrl === undefined) throw new DatabaseError('owner_unavailable');
      return inTransaction(ownerPool(options.ownerUrl), ownerSettings(options.schema), fn);
    },
    async ping() {
      await app.query('select 1');
    },
    async close() {
      await notifications.close();
      await listener.close();
      await Promise.all([app.end(), owner?.end()]);
    },
  };
}
