export { appendAudit } from './append-audit.ts';
export type { AuditRecord } from './append-audit.ts';
export { verifyAuditChain } from './verify-audit-chain.ts';
export { listAudit } from './list-audit.ts';
export type { AuditListOptions } from './list-audit.ts';
export { RefusalTally } from './refusal-tally.ts';
export { GENESIS_PREV_HASH, chainHash } from './chain-hash.ts';
export { canonicalJson, type HashedAuditFields } from './canonical.ts';
export {
  AuditKeyringRequired,
  PURGED_PERSONAL,
  eraseAuditPersonalNaming,
  readAuditPersonal,
  shredAuditPersonalKey,
  type PersonalDetails,
} from './personal-seal.ts';
export { installWrapKey, type PersonalKeyring } from './personal-keys.ts';
export {
  canonicalCheckpoint,
  checkpointHash,
  checkpointKeyId,
  decodeCheckpointFile,
  encodeCheckpointFile,
  parseCheckpointPublicKey,
  signCheckpoint,
  type AuditCheckpoint,
  type SignedCheckpoint,
} from './checkpoints/checkpoint-format.ts';
export { checkpointName, type CheckpointSink } from './checkpoints/checkpoint-sink.ts';
export { localCheckpointSink } from './checkpoints/local-checkpoint-sink.ts';
export { readCheckpointChain } from './checkpoints/read-checkpoint-chain.ts';
export { verifyAuditWithCheckpoint, type CheckpointAnchor } from './checkpoints/verify-against-checkpoint.ts';
export { writeAuditCheckpoint, type CheckpointOutcome, type CheckpointPolicy, type CheckpointWriter } from './checkpoints/write-audit-checkpoint.ts';
export { collectRunEvidence, EvidenceExportError } from './evidence/collect-run-evidence.ts';
export { RunAuditAction, type EvidenceEntry, type ProvenItem, type ProvenRun, type RunEvidence } from './evidence/evidence-format.ts';
export { verifyRunEvidence, type EvidenceVerdict } from './evidence/verify-run-evidence.ts';
