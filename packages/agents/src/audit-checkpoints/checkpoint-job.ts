import { writeAuditCheckpoint } from '@remit/audit';
import type { Database } from '@remit/db';
import type { Logger } from 'pino';
import type { AuditCheckpoints } from './open-checkpoints.ts';

/** The maintenance job: writes the org's next signed checkpoint when one is due (see writeAuditCheckpoint). */
export async function checkpointAudit(deps: { db: Database; orgId: string; logger: Logger; checkpoints?: AuditCheckpoints | undefined }): Promise<void> {
  const cp = deps.checkpoints;
  if (!cp) return;
  const { privateKey, publicKey } = await cp.key();
  const outcome = await writeAuditCheckpoint(deps.db, deps.orgId, { sink: cp.sink, publicKey, privateKey }, cp.policy, cp.state, cp.now());
  if (outcome.written) deps.logger.info({ seq: outcome.checkpoint.seq, sink: cp.sink.description }, 'audit checkpoint written');
  else if (outcome.why === 'chain_does_not_verify') {
    // Never sign over a chain that fails: that would bless the tampering. Loud, every pass.
    deps.logger.error(
      { reason: outcome.reason, sink: cp.sink.description },
      'audit checkpoint refused: the audit chain does not verify against the last checkpoint',
    );
  }
}
