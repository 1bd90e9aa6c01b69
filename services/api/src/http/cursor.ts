import { RemitError } from '@remit/core';
import type { z } from 'zod';

/** One page of a list and where the next starts (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The cursors of one list. A cursor is base64url of a JSON array: the list's name, then the
 * sort key of the last item sent. Clients treat it as opaque; the server trusts nothing in it:
 * the key is parsed with the list's schema (anything else is `invalid_cursor`), and the query
 * it continues still runs with the caller's filters and row-level security, so a cursor made
 * by hand can only move a caller within what they may read anyway. The name keeps a cursor of
 * one list from being taken for a position in another.
 */
export function listCursor<Key extends readonly unknown[]>(list: string, key: z.ZodType<Key>) {
  return {
    /** The position a client's cursor names, or undefined for the first page. */
    decode(cursor: string | undefined): Key | undefined {
      if (cursor === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        value = undefined;
      }
      const parsed = Array.isArray(value) && value[0] === list ? key.safeParse(value.slice(1)) : undefined;
      if (!parsed?.success) throw new RemitError('invalid_cursor', `cursor: not a cursor of ${list}; start again without it.`);
      return parsed.data;
    },
    /**
     * A page from `rows`, read with `limit + 1` so that a next page is promised only when one
     * exists: the last page has a null cursor, never an empty page after it.
     */
    page<Row>(rows: readonly Row[], limit: number, keyOf: (row: Row) => Key): Page<Row> {
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      const nextCursor = rows.length > limit && last !== undefined ? Buffer.from(JSON.stringify([list, ...keyOf(last)])).toString('base64url') : null;
      return { items, nextCursor };
    },
  };
}
