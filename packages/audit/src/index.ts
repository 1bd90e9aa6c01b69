export { appendAudit } from './append-audit.ts';
export type { AuditRecord } from './append-audit.ts';
export { verifyAuditChain } from './verify-audit-chain.ts';
export { listAudit } from './list-audit.ts';
export { RefusalTally } from './refusal-tally.ts';
export { GENESIS_PREV_HASH, chainHash } from './chain-hash.ts';
export type { HashedAuditFields } from './canonical.ts';
