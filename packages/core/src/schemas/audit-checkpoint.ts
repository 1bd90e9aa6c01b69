import { z } from 'zod';
import { Timestamp } from './common.ts';

/**
 * What `GET /v1/audit/verify` and `remit audit verify` say about the signed checkpoints
 * (docs/audit-checkpoints.md): whether the chain in the database still contains the head that
 * the newest checkpoint in the append-only sink signed.
 */
export const AuditCheckpointCheck = z
  .object({
    status: z.enum(['verified', 'none', 'failed']).meta({
      description:
        '`verified`: the newest checkpoint is signed by the key, its chain of checkpoints links, and the entry at its seq has its hash; `none`: the sink holds no checkpoint yet (nothing bounds truncation); `failed`: see reason',
    }),
    sink: z.string().meta({ description: 'Where checkpoints were read from: `dir:PATH` or `s3://BUCKET/PREFIX`' }),
    keyId: z.string().meta({ description: 'SHA-256 (hex) of the raw 32-byte Ed25519 public key that checkpoints must be signed with' }),
    checkpoints: z.int().meta({ description: 'Checkpoints whose signature and link to the previous one were checked' }),
    seq: z.int().nullable().meta({ description: 'The newest checkpoint’s sequence number: entries 1..seq are proven unchanged and present' }),
    at: Timestamp.nullable(),
    headHash: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'AuditCheckpointCheck' });
export type AuditCheckpointCheck = z.infer<typeof AuditCheckpointCheck>;

const rfc3339 = () => z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time such as 2025-01-31T00:00:00Z' });

/** GET /v1/audit/export's query: a time window, both ends optional. */
export const AuditExportQuery = z
  .object({
    from: rfc3339().optional().meta({ description: 'Only entries at or after this time (RFC 3339)' }),
    to: rfc3339().optional().meta({ description: 'Only entries before this time (RFC 3339)' }),
  })
  .strict();
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;
