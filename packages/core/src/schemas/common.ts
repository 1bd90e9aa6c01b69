import { z } from 'zod';

/** Names of roles and connections: lowercase, DNS-label-like, stable in URLs and tool names. */
export const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'use 1–63 lowercase letters, digits and dashes, starting with a letter')
  .meta({ example: 'platform-engineer' });

export const Id = z.uuid().meta({ description: 'Resource id (UUID)' });

export const Timestamp = z.iso.datetime().meta({ description: 'RFC 3339 timestamp, UTC' });

export const ApiError = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ApiError = z.infer<typeof ApiError>;

export const RunKind = z.enum(['troubleshoot', 'review', 'insight']);
export type RunKind = z.infer<typeof RunKind>;
