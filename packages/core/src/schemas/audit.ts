import { z } from 'zod';
import { Id, Timestamp, looksLikeId } from './common.ts';
import { commaList, page, pageQuery } from './page.ts';
import { AuditCheckpointCheck } from './audit-checkpoint.ts';

export const AuditOutcome = z.enum(['success', 'denied', 'error']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditEntry = z
  .object({
    seq: z.int(),
    at: Timestamp,
    actorId: Id.nullable().meta({ description: 'User id; null for unauthenticated requests' }),
    action: z.string().meta({ example: 'role.create' }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    outcome: AuditOutcome,
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Actions are dotted lowercase words (`role.create`); a trailing `.` or `*` asks for a prefix. */
const ACTION_FILTER = /^[a-z0-9_.-]{1,100}\*?$/;
/** `type`, `type:id` or `:id`: a target type is a lowercase word, an id anything printable. */
const TARGET_FILTER = /^(?:[a-z][a-z0-9_]{0,62}|[a-z][a-z0-9_]{0,62}:[^\p{Cc}]{1,256}|:[^\p{Cc}]{1,256})$/u;
const rfc3339 = () => z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time such as 2025-01-31T00:00:00Z' });

/** GET /v1/audit's query: filters combine with AND; every list of values inside one filter is OR. */
export const AuditListQuery = z
  .object({
    action: z
      .string()
      .regex(ACTION_FILTER, 'expected an action (role.create) or a prefix ending in . or * (connection.)')
      .optional()
      .meta({ description: 'Only this action (`role.create`), or every action starting with a prefix that ends in `.` or `*` (`connection.`, `run*`)' }),
    outcome: commaList(AuditOutcome, 'Only entries with this outcome, or any of several, comma-separated: `denied,error`').optional(),
    actor: z
      .string()
      .max(320)
      .refine((v) => looksLikeId(v) || /^[^\s@]+@[^\s@]+$/.test(v), 'expected a user id (UUID) or an email')
      .optional()
      .meta({
        description:
          'Only entries by this user: an id, or an email (case-insensitive) naming the user who signed in with it first. An email nobody signed in with gives an empty page',
      }),
    target: z
      .string()
      .regex(TARGET_FILTER, 'expected a target type (connection), a type and id (connection:payments-api) or an id alone (:payments-api)')
      .optional()
      .meta({ description: 'Only entries about this target: its type (`connection`), type and id (`connection:payments-api`), or id alone (`:payments-api`)' }),
    since: rfc3339().optional().meta({ description: 'Only entries at or after this time (RFC 3339)' }),
    until: rfc3339().optional().meta({ description: 'Only entries before this time (RFC 3339)' }),
    order: z
      .enum(['asc', 'desc'])
      .default('asc')
      .meta({ description: '`asc`: oldest first (the chain’s order); `desc`: newest first. A cursor continues only the order it came from' }),
    ...pageQuery({ default: 100, max: 1000 }),
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Deprecated: use `cursor`. Return entries after this sequence number (oldest first only)', param: { deprecated: true } }),
  })
  .strict();
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditPage = page(AuditEntry, 'AuditPage', {
  next: z.int().nullable().meta({
    description: 'Deprecated: use `nextCursor`. Oldest first, the last sequence number sent when more follow (null newest first)',
    deprecated: true,
  }),
});
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerifyResult = z
  .object({
    ok: z.boolean(),
    checked: z.int().meta({ description: 'Entries whose hash was recomputed' }),
    firstBadSeq: z.int().nullable().meta({ description: 'Sequence number of the first entry that does not verify' }),
    reason: z.string().nullable(),
    checkpoint: AuditCheckpointCheck.optional().meta({
      description: 'The check against the newest signed checkpoint; absent when no checkpoint sink is configured',
    }),
  })
  .meta({ id: 'AuditVerifyResult' });
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;
