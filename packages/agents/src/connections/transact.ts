import type { Sql } from '@remit/db';

/** Runs `fn` in one short transaction of its own, committed when `fn` returns. */
export type Transact = <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;

/**
 * The transactions a save is given. `tx` runs reads and bookkeeping, each in a short
 * transaction of its own; `write` runs the one write, which the caller ends with its audit
 * entry. Live checks, token endpoints and vault writes happen between them, never inside one:
 * a transaction held across a network call holds its locks (and, on PGlite, the only
 * connection) for as long as the other side takes.
 */
export interface Transactions<T> {
  tx: Transact;
  write(fn: (sql: Sql) => Promise<T>): Promise<T>;
}
