import { z } from 'zod';
import { ErrorCode } from '../errors.ts';

// Any 8-4-4-4-12 hex string, whatever its version or variant bits: looser than z.uuid(), so
// nothing a client might take for an id (upper case, nil, version 0) can be a name.
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string has the shape of a UUID: such a string is always an id, never a name. */
export function looksLikeId(value: string): boolean {
  return UUID_SHAPE.test(value);
}

/**
 * Names of roles and connections: lowercase, DNS-label-like, stable in URLs and tool names.
 * A name is never shaped like a UUID (`a1b2c3d4-…` fits the letters-digits-dashes rule), so a
 * path segment that looks like an id is one, and lookups by id and by name cannot meet. The
 * check runs first and stops there, so such a name gets its own code whatever else is wrong.
 */
export const Slug = z
  .string()
  .refine((v) => !looksLikeId(v), { message: 'names cannot be shaped like an id (a UUID)', params: { code: 'name_looks_like_id' }, abort: true })
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'use 1–63 lowercase letters, digits and dashes, starting with a letter')
  .meta({ example: 'platform-engineer', description: 'Lowercase letters, digits and dashes; never shaped like a UUID' });

export const Id = z.uuid().meta({ description: 'Resource id (UUID)' });

/** How a lookup names a row: by its id or by its unique name, never a guess between the two. */
export type ResourceRef = { id: string } | { name: string };

/** A path segment that may be an id or a name: UUID-shaped means id (names never are), else name. */
export function refFromSegment(segment: string): ResourceRef {
  return looksLikeId(segment) ? { id: segment } : { name: segment };
}

export const Timestamp = z.iso.datetime().meta({ description: 'RFC 3339 timestamp, UTC' });

export const ApiError = z
  .object({
    error: z.object({
      code: z.enum(ErrorCode).meta({ description: 'Stable and machine-readable: branch on this, not on the message' }),
      message: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ApiError = z.infer<typeof ApiError>;

export const RunKind = z.enum(['troubleshoot', 'review', 'insight', 'index']);
export type RunKind = z.infer<typeof RunKind>;
