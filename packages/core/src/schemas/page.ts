import { z } from 'zod';

/**
 * Where the next page of a list starts: opaque to clients, who pass back the `nextCursor` of
 * the previous page unchanged. Whatever a cursor holds, a malformed one is `invalid_cursor`,
 * never a generic validation error, so a client can tell "start again" from "fix the request".
 */
export const Cursor = z
  .string()
  .refine((v) => /^[A-Za-z0-9_-]{1,512}$/.test(v), { message: 'not a cursor this list handed out', params: { code: 'invalid_cursor' }, abort: true })
  .meta({ description: 'Opaque: the `nextCursor` of the previous page, passed back unchanged' });

/** `limit` and `cursor`, the query parameters every list takes. */
export function pageQuery(limits: { default: number; max: number }) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(limits.max)
      .default(limits.default)
      .meta({ description: `Items per page, 1–${limits.max}` }),
    cursor: Cursor.optional(),
  };
}

/** One page of a list, in the list's stable order; `extra` adds fields beside the items. */
export function page<T extends z.ZodType, E extends z.ZodRawShape = Record<never, never>>(item: T, id: string, extra?: E) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` to read the next page; null on the last page' }),
      ...(extra as E),
    })
    .meta({ id });
}

/**
 * A query parameter that takes one of an enum's values or several, comma-separated
 * (`status=failed,timed_out`). Documented as a string with a pattern: OpenAPI's
 * `explode: false` arrays are not understood by every client.
 */
export function commaList<T extends z.ZodEnum<Record<string, string>>>(item: T, description: string) {
  const values = item.options.map(String);
  const one = `(${values.join('|')})`;
  return z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(item).min(1).max(values.length))
    .meta({ description: `${description}; values: ${values.join(', ')}`, pattern: `^${one}(,${one})*$` });
}
