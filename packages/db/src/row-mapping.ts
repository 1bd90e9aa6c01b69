import { looksLikeId, type ResourceRef } from '@remit/core';

/** Rows come back with Date objects on both drivers; the API speaks RFC 3339 strings. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/**
 * The column and value a lookup matches: the caller says whether it holds an id or a name, so
 * a string is never guessed to be one or the other here. Undefined for an id that cannot be a
 * uuid (nothing can match it, and Postgres would refuse the cast).
 */
export function refMatch(ref: ResourceRef): { column: 'id' | 'name'; value: string } | undefined {
  if ('id' in ref) return looksLikeId(ref.id) ? { column: 'id', value: ref.id } : undefined;
  return { column: 'name', value: ref.name };
}

/** How a lookup is named in a message: by id, or by name. */
export function describeRef(ref: ResourceRef): string {
  return 'id' in ref ? `with id ${JSON.stringify(ref.id)}` : `named ${JSON.stringify(ref.name)}`;
}
