import { z } from 'zod';
import { Id, Timestamp } from './common.ts';

/** GET /v1/admin/users?email=: find a user's id to purge (emails compare case-insensitively). */
export const AdminUserQuery = z.object({ email: z.string().min(3).max(320).meta({ description: 'The user’s email, as their tokens carry it' }) }).strict();

/** A user as an admin looks them up: the id DELETE /v1/admin/users/{id} takes. */
export const AdminUser = z
  .object({
    id: Id,
    email: z.string().nullable(),
    createdAt: Timestamp,
    lastSeenAt: Timestamp,
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof AdminUser>;

export const AdminUserList = z.object({ items: z.array(AdminUser) }).meta({ id: 'AdminUserList' });
export type AdminUserList = z.infer<typeof AdminUserList>;

/** How much of each class of a user's personal data a purge removed; all zero when run again. */
export const UserPurgeCounts = z
  .object({
    bindings: z.int().meta({ description: 'Role bindings granted to their email, deleted' }),
    oauthGrants: z.int().meta({ description: 'OAuth grants deleted; their sealed tokens are deleted from the secret store' }),
    oauthStates: z.int().meta({ description: 'OAuth authorizations in flight, cancelled' }),
    sealedSecrets: z.int().meta({ description: 'Sealed secrets deleted from the secret store (tokens, PKCE verifiers)' }),
    githubLinks: z.int(),
    consoleSessions: z.int(),
    webhookDeliveries: z.int().meta({ description: 'Deliveries whose payload and author were cleared' }),
    runs: z.int().meta({ description: 'Runs whose input, result and trigger details were cleared' }),
    runEvents: z.int().meta({ description: 'Transcript events deleted' }),
    auditKeys: z.int().meta({ description: 'Data keys destroyed: their personal audit details can no longer be read' }),
    auditPersonal: z.int().meta({ description: 'Personal audit details naming the user under another key, deleted' }),
  })
  .meta({ id: 'UserPurgeCounts' });
export type UserPurgeCounts = z.infer<typeof UserPurgeCounts>;

export const UserPurged = z
  .object({
    id: Id,
    alreadyPurged: z.boolean().meta({ description: 'The user was a tombstone already; what was found this time was removed again' }),
    purgedAt: Timestamp,
    removed: UserPurgeCounts,
    auditSeq: z.int().meta({ description: 'The `user.purge` audit entry' }),
  })
  .meta({ id: 'UserPurged' });
export type UserPurged = z.infer<typeof UserPurged>;
