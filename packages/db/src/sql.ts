import type { Notifications } from './notifications.ts';

/** The narrow surface repositories use: one parameterised statement at a time. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Several statements, no parameters: migration files only. */
  exec(text: string): Promise<void>;
}

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/**
 * Who a transaction acts for. Applied with set_config(…, true), i.e. transaction-local, so a
 * pooled connection forgets it at COMMIT/ROLLBACK. A null org sees and writes nothing.
 */
export interface TenantContext {
  orgId: string | null;
  userId: string | null;
  /** Whose knowledge graph it may read (0016's remit.graph_scope); absent: none. */
  graphScope?: GraphScope | undefined;
}

/**
 * Which graph repositories a transaction sees: all of the org's (admins, the store), those a
 * run's role reaches through its connections, or those the roles bound to `userId` reach.
 */
export type GraphScope = { kind: 'org' } | { kind: 'role'; roleId: string } | { kind: 'user' };

export const noTenant: TenantContext = Object.freeze({ orgId: null, userId: null });

export interface Database {
  readonly driver: 'pglite' | 'pg';
  readonly schema: string;
  /** Runs `fn` in one transaction as the app role (no ownership, no BYPASSRLS) for `ctx`. */
  tenant<T>(ctx: TenantContext, fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction as the schema owner: migrations and bootstrap only. Rejects
   * with DatabaseError `owner_unavailable` in a requests-only process (no DATABASE_URL).
   */
  owner<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** One cheap round trip, for readiness. */
  ping(): Promise<void>;
  /** Run changes and new runs as they are committed (see notifications.ts); closed with the database. */
  readonly notifications: Notifications;
  close(): Promise<void>;
}

/** The role every request runs as. It owns nothing and has no BYPASSRLS. */
export const APP_ROLE = 'remit_app';

/** Postgres error codes we translate; both drivers expose them as `err.code`. */
export const PgErrorCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  restrictViolation: '23001',
  checkViolation: '23514',
  insufficientPrivilege: '42501',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** A delete refused because other rows still point at the row (ON DELETE RESTRICT or NO ACTION). */
export function isStillReferenced(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === PgErrorCode.foreignKeyViolation || code === PgErrorCode.restrictViolation;
}

export function pgConstraint(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'constraint' in err && typeof err.constraint === 'string') return err.constraint;
  return undefined;
}
