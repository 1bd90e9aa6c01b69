import { join } from 'node:path';
import { openAuditCheckpoints, type AuditCheckpoints } from '@remit/agents';
import type { Runtime } from './open-runtime.ts';

/** The configured checkpoint sink and key: S3 when REMIT_AUDIT_CHECKPOINT_BUCKET is set, else the directory. */
export function auditCheckpointsFor(rt: Pick<Runtime, 'config' | 'dataDir' | 'secrets' | 'orgId'>): AuditCheckpoints {
  const c = rt.config;
  return openAuditCheckpoints(
    {
      dir: c.REMIT_AUDIT_CHECKPOINT_DIR ?? join(rt.dataDir, 'audit-checkpoints'),
      bucket: c.REMIT_AUDIT_CHECKPOINT_BUCKET,
      region: c.AWS_REGION,
      policy: { everyEntries: c.REMIT_AUDIT_CHECKPOINT_EVERY, everyMs: c.REMIT_AUDIT_CHECKPOINT_MINUTES * 60_000 },
    },
    rt.secrets,
    rt.orgId,
  );
}
