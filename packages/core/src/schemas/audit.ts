import { z } from 'zod';
import { Id, Timestamp } from './common.ts';

export const AuditEntry = z
  .object({
    seq: z.int(),
    at: Timestamp,
    actorId: Id.nullable().meta({ description: 'User id; null for unauthenticated requests' }),
    action: z.string().meta({ example: 'role.create' }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    outcome: z.enum(['success', 'denied', 'error']),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditVerifyResult = z
  .object({
    ok: z.boolean(),
    checked: z.int().meta({ description: 'Entries whose hash was recomputed' }),
    firstBadSeq: z.int().nullable().meta({ description: 'Sequence number of the first entry that does not verify' }),
    reason: z.string().nullable(),
  })
  .meta({ id: 'AuditVerifyResult' });
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;
